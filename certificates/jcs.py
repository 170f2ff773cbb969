"""JSON Canonicalization Scheme (RFC 8785) for the JSON this package signs.

Keys sorted by UTF-16 code units, no whitespace, strings escaped as ECMAScript's
JSON.stringify does, numbers in ECMAScript's shortest round-trip form.
"""

from __future__ import annotations

import json
import math


def canonicalize(value) -> bytes:
    if _plain(value):
        # no floats, no integers beyond 2^53, no keys outside the BMP: json's own sorted, compact
        # output is then exactly JCS (code point order equals UTF-16 order within the BMP)
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _encode(value).encode("utf-8")


def _plain(v) -> bool:
    if isinstance(v, str) or v is None or isinstance(v, bool):
        return True
    if isinstance(v, int):
        return abs(v) <= 2**53
    if isinstance(v, (list, tuple)):
        return all(map(_plain, v))
    if isinstance(v, dict):
        return all(isinstance(k, str) and max(k, default="\0") <= "\uffff" and _plain(x) for k, x in v.items())
    return False


def _encode(v) -> str:
    if v is None or v is True or v is False:
        return json.dumps(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, int):
        if abs(v) > 2**53:
            raise ValueError(f"JCS: integer {v} is outside the IEEE 754 exact range")
        return str(v)
    if isinstance(v, float):
        return _number(v)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(map(_encode, v)) + "]"
    if isinstance(v, dict):
        for k in v:
            if not isinstance(k, str):
                raise ValueError(f"JCS: object key {k!r} is not a string")
        keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _encode(v[k]) for k in keys) + "}"
    raise ValueError(f"JCS: cannot canonicalize {type(v).__name__}")


def _number(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError(f"JCS: {x} is not a JSON number")
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    r = repr(x)  # shortest round-trip digits, as ECMAScript
    if "e" not in r:
        return r
    mantissa, exp = r.split("e")
    e = int(exp)
    if -7 < e < 21:
        return format(x, "f").rstrip("0").rstrip(".") if "." in format(x, "f") else format(x, "f")
    return f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
