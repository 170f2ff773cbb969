"""Assessment: every check over one business's evidence under a dated policy, and what-if.

Verdict (docs/domain.md, "Default policy"): `ineligible` if any veto; else `pending` if a veto check lacks
its data (missing data is never a pass); else `eligible` when the score reaches the
pass mark, `ineligible` below it. The bonus never counts toward the pass mark.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from checks.errors import AssuredError, Kind
from checks.evidence import EVIDENCE_PARAMETERS, Evidence
from checks.outcome import Check, Outcome, Result, Status, pts
from checks.policy import Policy, Resolved
from checks.scores import BONUS, SCORED
from checks.vetoes import VETOES


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    PENDING = "pending"


class EvidenceMismatch(AssuredError, ValueError):
    """Evidence built for another programme or under other evidence rules than the policy's."""

    kind = Kind.bad_input


@dataclass(frozen=True)
class Assessment:
    uscc: str
    program: str
    as_of: dt.date
    verdict: Verdict
    score: float
    bonus: float
    pass_mark: float
    policy_id: str
    policy_effective_from: dt.date
    policy_sha256: str
    policy_values_sha256: str
    checks: tuple[Check, ...] = field(repr=False)
    results: tuple[Result, ...] = field(repr=False)
    evidence: Evidence = field(repr=False)

    @cached_property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Every check's outcome with its reasons in Chinese and English, in check order."""
        return tuple(c.outcome(r) for c, r in zip(self.checks, self.results))

    def ids_with(self, status: Status | str) -> list[str]:
        """Check ids with this status, without formatting any reason (cheap for screening)."""
        return [c.id for c, r in zip(self.checks, self.results) if r.status == status]

    def evidence_sha256(self) -> str:
        return self.evidence.sha256()

    def to_json(self) -> dict[str, Any]:
        """The `assured assess --json` object (issue 3)."""
        return {
            "uscc": self.uscc,
            "program": self.program,
            "as_of": self.as_of.isoformat(),
            "verdict": self.verdict.value,
            "score": self.score,
            "bonus": self.bonus,
            "policy": {
                "id": self.policy_id,
                "effective_from": self.policy_effective_from.isoformat(),
                "sha256": self.policy_sha256,
            },
            "outcomes": [o.to_json() for o in self.outcomes],
        }


@dataclass(frozen=True)
class Plan:
    """The checks of one programme in run order, split by kind."""

    checks: tuple[Check, ...]
    vetoes: slice
    scored: slice
    bonus: slice


_PLANS: dict[tuple[str, ...], Plan] = {}


def plan(enabled: list[str]) -> Plan:
    """The programme's checks in run order: its enabled vetoes, then every scored and bonus check."""
    key = tuple(enabled)
    hit = _PLANS.get(key)
    if hit is None:
        vetoes = tuple(c for c in VETOES if c.id in key)
        v, s = len(vetoes), len(SCORED)
        hit = _PLANS[key] = Plan(vetoes + SCORED + BONUS, slice(0, v), slice(v, v + s), slice(v + s, None))
    return hit


def _require_basis(evidence: Evidence, policy: Policy, p: Resolved) -> None:
    if evidence.program != policy.id:
        raise EvidenceMismatch(
            f"evidence for {evidence.uscc} was built for {evidence.program}, not {policy.id} ({policy.path})"
        )
    basis = p.subset(EVIDENCE_PARAMETERS)
    if evidence.basis is not basis and evidence.basis != basis:
        changed = sorted(n for n in basis if evidence.basis.get(n) != basis[n])
        raise EvidenceMismatch(
            f"evidence for {evidence.uscc} was built under other rules than {policy.path} as of "
            f"{evidence.as_of}: {', '.join(changed)} differ; rebuild it under this policy"
        )


def assess(evidence: Evidence, policy: Policy) -> Assessment:
    """Run every check of the programme (never stopping at the first failure) and decide."""
    p = policy.at(evidence.as_of)
    _require_basis(evidence, policy, p)
    values = p.values
    run = plan(values["vetoes.enabled"])
    results = tuple([c.fn(evidence, values) for c in run.checks])
    score = pts(sum(r.points for r in results[run.scored]))
    extra = pts(min(values["bonus.max_points"], sum(r.points for r in results[run.bonus])))
    pass_mark = values["pass_mark"]
    statuses = {r.status for r in results[run.vetoes]}
    if Status.VETO in statuses:
        verdict = Verdict.INELIGIBLE
    elif Status.MISSING in statuses:
        verdict = Verdict.PENDING
    else:
        verdict = Verdict.ELIGIBLE if score >= pass_mark else Verdict.INELIGIBLE
    return Assessment(
        uscc=evidence.uscc,
        program=policy.id,
        as_of=evidence.as_of,
        verdict=verdict,
        score=score,
        bonus=extra,
        pass_mark=pass_mark,
        policy_id=policy.id,
        policy_effective_from=p.effective_from,
        policy_sha256=policy.sha256,
        policy_values_sha256=p.values_sha256,
        checks=run.checks,
        results=results,
        evidence=evidence,
    )


def same_evidence_basis(current: Policy, draft: Policy, as_of: dt.date) -> bool:
    """True when evidence built under `current` serves `draft` too (same windows and publicity rules)."""
    return current.at(as_of).subset(EVIDENCE_PARAMETERS) == draft.at(as_of).subset(EVIDENCE_PARAMETERS)


@dataclass(frozen=True)
class Change:
    id: str
    before: Status
    after: Status
    points_before: float
    points_after: float
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Flip:
    uscc: str
    before: Verdict
    after: Verdict
    score_before: float
    score_after: float
    pass_mark_before: float
    pass_mark_after: float
    changes: tuple[Change, ...]  # outcomes whose status or points differ (empty when only the pass mark moved)


@dataclass
class PolicyDiff:
    current: Policy
    draft: Policy
    assessed: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    score_changed: int = 0
    flips: list[Flip] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "current": {"id": self.current.id, "path": str(self.current.path), "sha256": self.current.sha256},
            "draft": {"id": self.draft.id, "path": str(self.draft.path), "sha256": self.draft.sha256},
            "assessed": self.assessed,
            "score_changed": self.score_changed,
            "transitions": [{"before": b, "after": a, "count": n} for (b, a), n in sorted(self.transitions.items())],
            "flips": [
                {
                    "uscc": f.uscc,
                    "before": f.before.value,
                    "after": f.after.value,
                    "score_before": f.score_before,
                    "score_after": f.score_after,
                    "pass_mark_before": f.pass_mark_before,
                    "pass_mark_after": f.pass_mark_after,
                    "changes": [
                        {
                            "id": c.id,
                            "before": c.before.value,
                            "after": c.after.value,
                            "points_before": c.points_before,
                            "points_after": c.points_after,
                            "reason_zh": c.reason_zh,
                            "reason_en": c.reason_en,
                        }
                        for c in f.changes
                    ],
                }
                for f in self.flips
            ],
        }


def what_if(population: Iterable[Evidence | tuple[Evidence, Evidence]], current: Policy, draft: Policy) -> PolicyDiff:
    """Re-score a population under a draft policy and list who flips verdict and why.

    Each item is one business's evidence, or a pair (evidence under `current`, evidence
    under `draft`) when the draft changes the evidence rules (`same_evidence_basis` false).
    """
    diff = PolicyDiff(current, draft)
    for item in population:
        ev_now, ev_draft = item if isinstance(item, tuple) else (item, item)
        before, after = assess(ev_now, current), assess(ev_draft, draft)
        diff.assessed += 1
        diff.transitions[(before.verdict.value, after.verdict.value)] += 1
        diff.score_changed += before.score != after.score
        if before.verdict is after.verdict:
            continue
        old = {o.id: o for o in before.outcomes}
        changes = tuple(
            Change(
                o.id,
                old[o.id].status if o.id in old else Status.MISSING,
                o.status,
                old[o.id].points if o.id in old else 0.0,
                o.points,
                o.reason_zh,
                o.reason_en,
            )
            for o in after.outcomes
            if o.id not in old or (old[o.id].status, old[o.id].points) != (o.status, o.points)
        )
        diff.flips.append(
            Flip(
                ev_now.uscc,
                before.verdict,
                after.verdict,
                before.score,
                after.score,
                before.pass_mark,
                after.pass_mark,
                changes,
            )
        )
    return diff
