"""Whether an administrative penalty (行政处罚) counts against a business on a date.

Rules (SAMR Order 45, 2021; 国市监信规〔2021〕3号; docs/domain.md, "Administrative penalties"):
- only general-procedure penalties are published; a warning alone is not;
- publicity ends after 3 months for public criticism or a lower-amount fine
  (Hubei: under 10,000 yuan for a natural person — individual businesses are
  treated as natural persons, a project assumption — under 100,000 for an
  organisation), after 3 years otherwise;
- a penalty can be repaired after 6 months of publicity (12 for food, drugs and
  special equipment); a repair recorded earlier takes effect when that wait ends;
- severe penalties (suspension, licence revocation, employment ban) never end
  early: neither short publicity nor repair applies to them;
- a penalty revoked on appeal never counts.
Bans longer than 3 years would run for their length; records carry no ban length,
so every published penalty here runs at most 3 years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from checks.calendar import add_months, add_years
from checks.policy import Resolved
from checks.trusted import trusted


class PenaltyRow(NamedTuple):
    """One penalty record as stored (`kinds` comma-joined, or any sequence of kinds)."""

    decision_no: str
    decided_on: dt.date
    procedure: str
    kinds: str | Sequence[str]
    fine_yuan: float
    category: str
    repaired_on: dt.date | None
    revoked_on: dt.date | None


class PenaltyReason(StrEnum):
    """Why a penalty counts or not, first rule that applies wins (in this order)."""

    REVOKED = "revoked"  # revoked on appeal
    SIMPLE_PROCEDURE = "simple_procedure"  # 简易程序: never published
    WARNING_ONLY = "warning_only"  # a warning alone: never published
    PUBLICITY_ENDED = "publicity_ended"
    REPAIRED = "repaired"  # 信用修复
    OUTSIDE_WINDOW = "outside_window"  # still published, decided before the compliance window
    COUNTED = "counted"


REASON_TEXT = {
    PenaltyReason.REVOKED: ("已撤销", "revoked on appeal"),
    PenaltyReason.SIMPLE_PROCEDURE: ("简易程序不公示", "simple procedure, not published"),
    PenaltyReason.WARNING_ONLY: ("仅警告不公示", "a warning alone, not published"),
    PenaltyReason.PUBLICITY_ENDED: ("公示期满", "publicity ended"),
    PenaltyReason.REPAIRED: ("已信用修复", "credit repaired"),
    PenaltyReason.OUTSIDE_WINDOW: ("不在计分期内", "decided before the scoring window"),
    PenaltyReason.COUNTED: ("计入", "counted"),
}


class Penalty(BaseModel):
    """A penalty with the facts the rules read and the verdict they reached on the as-of date."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    decision_no: str
    decided_on: dt.date
    procedure: str
    kinds: tuple[str, ...]
    fine_yuan: float
    category: str
    repaired_on: dt.date | None
    revoked_on: dt.date | None
    severe: bool
    published_until: dt.date | None  # first day no longer published; None when never published
    repair_effective_from: dt.date | None  # None when not repaired or a repair cannot apply
    counted: bool
    reason: PenaltyReason

    @property
    def ref(self) -> str:
        return f"penalty:{self.decision_no}"


PENALTY_PARAMETERS = (
    "vetoes.severe_penalty_kinds",
    "vetoes.severe_penalty_years",
    "penalties.short_publicity_months",
    "penalties.short_publicity_kinds",
    "penalties.long_publicity_years",
    "penalties.lower_fine_natural_person_yuan",
    "penalties.lower_fine_organisation_yuan",
    "penalties.natural_person_entity_types",
    "penalties.repair_after_months",
    "penalties.strict_repair_after_months",
    "penalties.strict_repair_categories",
    "compliance.penalties.window_years",
)


def lookback_start(as_of: dt.date, p: Resolved) -> dt.date:
    """Penalties decided on or before this date can matter to no rule on `as_of`."""
    years = max(
        p["penalties.long_publicity_years"], p["vetoes.severe_penalty_years"], p["compliance.penalties.window_years"]
    )
    return add_years(as_of, -years)


@lru_cache(maxsize=256)
def _kind_string(kinds: str) -> tuple[str, ...]:
    return tuple(sorted(set(kinds.split(","))))


def penalty_kinds(kinds: str | Sequence[str]) -> tuple[str, ...]:
    return _kind_string(kinds) if isinstance(kinds, str) else tuple(sorted(set(kinds)))


def _kind_sets(p: Resolved) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    return (
        frozenset(p["vetoes.severe_penalty_kinds"]),
        frozenset(p["penalties.short_publicity_kinds"]),
        frozenset(p["penalties.strict_repair_categories"]),
    )


class Judged(NamedTuple):
    """What the rules make of a penalty on a date (`judge_penalty`)."""

    reason: PenaltyReason
    severe: bool
    published_until: dt.date | None  # first day no longer published; None when never published
    repair_from: dt.date | None  # when a recorded repair takes effect; None when none applies
    repaired_on: dt.date | None  # the repair and the revocation as known on the as-of date
    revoked_on: dt.date | None


def judge_penalty(
    decided: dt.date,
    procedure: str,
    kinds: tuple[str, ...],
    fine_yuan: float,
    category: str,
    repaired_on: dt.date | None,
    revoked_on: dt.date | None,
    as_of: dt.date,
    natural_person: bool,
    p: Resolved,
) -> Judged:
    """The rules on one penalty's plain values (`kinds` as `penalty_kinds` gives them): severe or not,
    published until when, counted or why not. `classify_penalty` wraps it in a `Penalty`; the
    screening kernel calls it directly."""
    v = p.values
    severe_kinds, short_kinds, strict_categories = p.derived("penalty kind sets", _kind_sets)
    # What happened after the as-of date was not known then.
    if repaired_on is not None and repaired_on > as_of:
        repaired_on = None
    if revoked_on is not None and revoked_on > as_of:
        revoked_on = None
    severe = not severe_kinds.isdisjoint(kinds)
    warning_only = kinds == ("warning",)
    published = procedure == "general" and not warning_only
    published_until = None
    repair_from = None
    if published:
        line = v[
            "penalties.lower_fine_natural_person_yuan" if natural_person else "penalties.lower_fine_organisation_yuan"
        ]
        short = not severe and short_kinds.issuperset(kinds) and ("fine" not in kinds or fine_yuan < line)
        published_until = (
            add_months(decided, v["penalties.short_publicity_months"])
            if short
            else add_years(decided, v["penalties.long_publicity_years"])
        )
        if repaired_on is not None and not severe:
            wait = (
                "penalties.strict_repair_after_months"
                if category in strict_categories
                else "penalties.repair_after_months"
            )
            repair_from = max(repaired_on, add_months(decided, v[wait]))
    if revoked_on is not None:
        reason = PenaltyReason.REVOKED
    elif procedure != "general":
        reason = PenaltyReason.SIMPLE_PROCEDURE
    elif warning_only:
        reason = PenaltyReason.WARNING_ONLY
    elif published_until is not None and as_of >= published_until:  # set whenever published
        reason = PenaltyReason.PUBLICITY_ENDED
    elif repair_from is not None and repair_from <= as_of:
        reason = PenaltyReason.REPAIRED
    elif decided <= add_years(as_of, -v["compliance.penalties.window_years"]):
        reason = PenaltyReason.OUTSIDE_WINDOW
    else:
        reason = PenaltyReason.COUNTED
    return Judged(reason, severe, published_until, repair_from, repaired_on, revoked_on)


def classify_penalty(row: PenaltyRow, as_of: dt.date, natural_person: bool, p: Resolved) -> Penalty:
    """The penalty as seen on `as_of`: severe or not, published until when, counted or why not."""
    kinds = penalty_kinds(row.kinds)
    j = judge_penalty(
        row.decided_on,
        row.procedure,
        kinds,
        row.fine_yuan,
        row.category,
        row.repaired_on,
        row.revoked_on,
        as_of,
        natural_person,
        p,
    )
    return trusted(
        Penalty,
        decision_no=row.decision_no,
        decided_on=row.decided_on,
        procedure=row.procedure,
        kinds=kinds,
        fine_yuan=float(row.fine_yuan),
        category=row.category,
        repaired_on=j.repaired_on,
        revoked_on=j.revoked_on,
        severe=j.severe,
        published_until=j.published_until,
        repair_effective_from=j.repair_from,
        counted=j.reason is PenaltyReason.COUNTED,
        reason=j.reason,
    )
