"""The one way the project writes CSV: a cell a spreadsheet would read as a formula is neutralised.

OWASP's CSV injection advice: a text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote, so Excel, LibreOffice and WPS show it as text instead of
evaluating it. Numbers (int, float) are left as they are: a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a CSV cell: None empty, text beginning like a formula prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_row(cells: Iterable[Any]) -> list[Any]:
    return [safe_cell(c) for c in cells]


def csv_text(rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None, *, line_end: str = "\r\n") -> str:
    """Rows (and a header) as CSV text, every cell through `safe_cell`; RFC 4180 minimal quoting."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    if header is not None:
        w.writerow(safe_row(header))
    w.writerows(safe_row(r) for r in rows)
    return buf.getvalue()
