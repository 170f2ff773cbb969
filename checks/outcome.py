"""What a check is and what it returns.

A check function returns a `Result` whose reasons are templates plus arguments:
screening a province reads only statuses and points, so the text is formatted
when someone reads the outcome (`Outcome`), not a million times in the batch.
A date argument reads 2026年7月28日 in the Chinese reason (a business and the public read it)
and 2026-07-28 in the English one.

A result that scores what the applicant declared carries its `basis` (`Basis`): declared
(and, before any on-site inspection, awaiting it), verified on site, or failed on site; the
other results carry None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from checks.calendar import zh_date
from checks.policy import Params

if TYPE_CHECKING:  # both import this module
    from checks.evidence import Evidence
    from checks.fast import Fast


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    VETO = "veto"
    MISSING = "missing"


class Basis(StrEnum):
    """What a declared item's points rest on."""

    DECLARED = "declared"  # the applicant's declaration (no inspection checked it yet)
    VERIFIED = "verified"  # an on-site inspection's verifying item passed
    FAILED_ON_SITE = "failed_on_site"  # an on-site inspection's verifying item failed: no points


class Result(NamedTuple):
    """What a check function returns: reasons are `str.format` templates over `args`."""

    status: Status
    points: float
    max_points: float
    zh: str
    en: str
    args: tuple[Any, ...]
    evidence: tuple[str, ...]
    basis: Basis | None = None


_tuple_new = tuple.__new__


def result(
    status: Status,
    points: float,
    max_points: float,
    zh: str,
    en: str,
    args: tuple[Any, ...],
    evidence: tuple[str, ...],
    basis: Basis | None = None,
) -> Result:
    """`Result(...)` without the NamedTuple constructor's Python-level call (hot in screening)."""
    return _tuple_new(Result, (status, points, max_points, zh, en, args, evidence, basis))


def once(p: Params, key: str, make: Callable[[], Result]) -> Result:
    """`make()` computed once per policy and date: for results that depend only on `p`
    (most businesses have nothing on record for most checks, and screening meets them a million times)."""
    hit = p.memo.get(key)
    if hit is None:
        hit = p.memo[key] = make()
    return hit


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    title_zh: str
    title_en: str
    status: Status
    points: float
    max_points: float
    reason_zh: str
    reason_en: str
    evidence: tuple[str, ...]
    basis: Basis | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "status": self.status.value,
            "points": self.points,
            "max_points": self.max_points,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "evidence": list(self.evidence),
            "basis": None if self.basis is None else self.basis.value,
        }


Kind = Literal["veto", "scored", "bonus"]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title_zh: str
    title_en: str
    kind: Kind
    fn: Callable[[Evidence, Params], Result]
    fast: Fast  # the screening part: the same status and points from raw rows

    def outcome(self, r: Result) -> Outcome:
        return Outcome(
            self.id,
            self.title_zh,
            self.title_en,
            r.status,
            r.points,
            r.max_points,
            r.zh.format(*map(zh_arg, r.args)),
            r.en.format(*map(en_arg, r.args)),
            r.evidence,
            r.basis,
        )


def zh_arg(value: Any) -> Any:
    """An argument as the Chinese reason shows it: a date as 2026年7月28日, several joined with 、."""
    if isinstance(value, dt.date):
        return zh_date(value)
    if isinstance(value, tuple) and value and all(isinstance(v, dt.date) for v in value):
        return "、".join(map(zh_date, value))
    return value


def en_arg(value: Any) -> Any:
    """An argument as the English reason (and the logs) show it: a date in ISO form, several joined with ", "."""
    if isinstance(value, tuple) and value and all(isinstance(v, dt.date) for v in value):
        return ", ".join(v.isoformat() for v in value)
    return value


def check(id: str, title_zh: str, title_en: str, kind: Kind, fast: Fast) -> Callable[[Callable[..., Result]], Check]:
    """Declare a check: its stable id, titles and kind beside its pure function and its screening part."""

    def declare(fn: Callable[[Evidence, Params], Result]) -> Check:
        return Check(id, title_zh, title_en, kind, fn, fast)

    return declare


def pct(rate: float) -> str:
    """A rate as shown to people: 0.927828 -> '92.78 %'."""
    return f"{rate * 100:.2f} %"


def pts(value: float) -> float:
    return float(round(value, 2))
