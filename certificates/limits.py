"""Reading what a stranger uploads without letting it take the machine: bounded inflation and
bounded JSON nesting, each refusal a `FORMAT_*` code.

A 91 KB PDF may carry a twin that inflates to 72 MB, or a twin nested ten thousand levels deep;
both are refused here before anything decodes them whole or recurses into them.
"""

from __future__ import annotations

import json
import zlib

from pypdf.filters import ASCII85Decode
from pypdf.generic import ArrayObject, StreamObject

from checks.errors import AssuredError, Kind

MAX_TWIN_BYTES = 256 * 1024  # a certificate's twin is about 3 KB
MAX_CONTENT_BYTES = 4 * 1024 * 1024  # its page's content stream about 20 KB
MAX_JSON_DEPTH = 32  # its twin nests 4 levels


class FormatError(AssuredError, ValueError):
    """Input refused before it is read whole; `code` is the verification step's code."""

    kind = Kind.bad_input

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def inflate(stream: StreamObject, limit: int, what: str) -> bytes:
    """A PDF stream's bytes decoded (no filter, FlateDecode, or ASCII85Decode then FlateDecode as
    reportlab writes), refused past `limit` bytes while it inflates."""
    data = stream._data  # pypdf keeps the encoded bytes here; get_data() would inflate them whole
    filters = stream.get("/Filter")
    names = [str(f) for f in (filters if isinstance(filters, ArrayObject) else [filters] if filters else [])]
    if names[:1] == ["/ASCII85Decode"]:
        data, names = ASCII85Decode.decode(data), names[1:]  # never larger than its input
    if names == ["/FlateDecode"] and "/DecodeParms" not in stream:
        try:
            data = zlib.decompressobj().decompress(data, limit + 1)
        except zlib.error as exc:
            raise FormatError("FORMAT_NOT_CERTIFICATE_PDF", f"{what} cannot be inflated: {exc}") from None
    elif names:
        raise FormatError("FORMAT_NOT_CERTIFICATE_PDF", f"{what} uses filters {names}, not FlateDecode")
    if len(data) > limit:
        raise FormatError("FORMAT_TOO_LARGE", f"{what} inflates past {limit} bytes")
    return data


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON text (brackets inside strings not counted)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_twin(data: bytes, what: str = "the credential") -> object:
    """JSON of a twin, refused when too large, not UTF-8, nested too deeply or not JSON."""
    if len(data) > MAX_TWIN_BYTES:
        raise FormatError("FORMAT_TOO_LARGE", f"{what} is {len(data)} bytes, more than {MAX_TWIN_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError("FORMAT_INVALID", f"{what} is not UTF-8: {exc.reason} at byte {exc.start}") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise FormatError("FORMAT_TOO_DEEP", f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FormatError("FORMAT_INVALID", f"{what} is not JSON: {exc}") from None
