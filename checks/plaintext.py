"""Text a person's name, an address or a store name may hold: no control characters.

A CR, LF, tab, NUL or other C0/C1 control character, or a Unicode line or paragraph
separator, has no business in a name printed on a certificate (it renders as a box or breaks
the line) and is refused at ingest and in the certificate's lint alike.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(text: str) -> str | None:
    """Why `text` is refused ("control character U+000A at position 4"), or None when it is plain."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} at position {found.start() + 1}"
