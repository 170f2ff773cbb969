"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registering authority (1), entity type (1), GB/T 2260 region (6),
organisation code (9, its last character a GB 11714 check digit), check digit (1).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from operator import mul

from checks.errors import AssuredError, Kind

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
AUTHORITIES = "123456789ANY"
# GB/T 2260 province-level prefixes (positions 3-4).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)
FORBIDDEN = "IOSVZ"


class UsccError(AssuredError, ValueError):
    """A code that fails GB 32100; `position` is 1-based (0 for the whole code)."""

    kind = Kind.bad_input

    def __init__(self, code: str, position: int, reason: str):
        self.code, self.position, self.reason = code, position, reason
        where = f"position {position}" if position else "code"
        super().__init__(f"invalid USCC {code!r}: {where}: {reason}")


_ORG_VALUE = {
    ch: (int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10) for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
}
_ORG_DIGIT = {c % 11: ("X" if c == 10 else "0" if c == 11 else str(c)) for c in range(1, 12)}


def org_check_digit(body: str) -> str:
    """GB 11714 check digit over the 8 organisation-code characters (positions 9-16):
    c = 11 - sum mod 11, with 10 written X and 11 written 0."""
    return _ORG_DIGIT[(11 - sum(map(mul, map(_ORG_VALUE.__getitem__, body), ORG_WEIGHTS)) % 11) % 11]


def check_digit(first17: str) -> str:
    """Position 18: C18 = (31 - sum(value * 3^(i-1) mod 31) mod 31) mod 31."""
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def make_uscc(region: str, org_body: str, authority: str = "9", entity: str = "1") -> str:
    """Build a valid code from its parts (organisation body = 8 characters)."""
    first17 = authority + entity + region + org_body + org_check_digit(org_body)
    return first17 + check_digit(first17)


def normalise(code: str) -> str:
    return code.strip().upper()


def validate_uscc(code: str, overrides: Mapping[str, str] | frozenset[str] = frozenset()) -> str:
    """Return the normalised code or raise UsccError naming the failing position.

    `overrides` holds audited codes accepted although they fail a check.
    """
    if not isinstance(code, str):
        raise UsccError(repr(code), 0, "not a string")
    norm = normalise(code)
    if norm in overrides:
        return norm
    return _validated(norm)


@lru_cache(maxsize=1 << 18)  # a business's code recurs on each of its records
def _validated(norm: str) -> str:
    if len(norm) != 18:
        raise UsccError(norm, 0, f"length {len(norm)}, expected 18")
    for pos, ch in enumerate(norm, 1):
        if ch in FORBIDDEN:
            raise UsccError(norm, pos, f"letter {ch!r} never occurs in a USCC")
        if ch not in _VALUE:
            raise UsccError(norm, pos, f"character {ch!r} is not in the USCC alphabet")
    if norm[0] not in AUTHORITIES:
        raise UsccError(norm, 1, f"unknown registering authority {norm[0]!r}")
    if norm[0] == "9" and norm[1] not in "123":
        raise UsccError(norm, 2, f"entity type {norm[1]!r} is not 1, 2 or 3 under authority 9")
    for pos in range(3, 9):
        if not norm[pos - 1].isdigit():
            raise UsccError(norm, pos, "region code (positions 3-8) must be digits")
    if norm[2:4] not in PROVINCES:
        raise UsccError(norm, 3, f"region {norm[2:8]} has no province {norm[2:4]}")
    expected_org = org_check_digit(norm[8:16])
    if norm[16] != expected_org:
        raise UsccError(norm, 17, f"organisation check digit is {norm[16]!r}, expected {expected_org!r}")
    expected = check_digit(norm[:17])
    if norm[17] != expected:
        raise UsccError(norm, 18, f"check digit is {norm[17]!r}, expected {expected!r}")
    return norm


def region_of(code: str) -> str:
    """GB/T 2260 region code (positions 3-8)."""
    return code[2:8]
