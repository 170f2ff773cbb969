"""Inspection checklists (评价验收): the items a programme's on-site acceptance checks, by date.

A programme's checklist is the policy parameter `inspection.checklist`: dated like every
value, each item an id, a Chinese title, whether a fail is a veto, the points it verifies
(`mechanisms.first_inquiry_responsibility`, or null) and its own source. Ingest validates
an inspection's item ids against the checklist in force on its `inspected_on`; an assessment
reads the items' roles (`Roles`) from the checklist in force on its as-of date: a failed veto
item is the V8 veto, a failed item verifying a mechanism takes that mechanism's points, and
any other failed item is a deduction (`inspection.deduction_points`).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

# programme -> ((effective_from, item ids), ...) oldest first: plain data, so it pickles into
# the validation worker of a large ingest
Checklists = Mapping[str, tuple[tuple[dt.date, frozenset[str]], ...]]


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    title_zh: str = Field(min_length=1)
    veto: bool
    verifies: str | None = Field(default=None, pattern=r"^[a-z_]+\.[A-Za-z0-9_]+$")  # a check id
    source: str = Field(min_length=1)


def _unique(items: list[ChecklistItem]) -> list[ChecklistItem]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"checklist item id {item.id!r} appears twice")
        seen.add(item.id)
    return items


# The value of `inspection.checklist`: at least one item, ids unique.
CHECKLIST = TypeAdapter(Annotated[list[ChecklistItem], Field(min_length=1), AfterValidator(_unique)])


class Roles(NamedTuple):
    """What a failed item of a checklist means: `titles` by item id, the veto items, the
    deduction items (neither a veto nor verifying a mechanism), the items verifying each check."""

    titles: dict[str, str]
    veto: frozenset[str]
    deducted: frozenset[str]
    verifying: dict[str, tuple[str, ...]]


def roles(checklist: Iterable[Mapping[str, Any]]) -> Roles:
    """The roles of a checklist's items (the value of `inspection.checklist`)."""
    items = list(checklist)
    verifying: dict[str, list[str]] = {}
    for item in items:
        if item.get("verifies"):
            verifying.setdefault(item["verifies"], []).append(item["id"])
    return Roles(
        {item["id"]: item["title_zh"] for item in items},
        frozenset(item["id"] for item in items if item["veto"]),
        frozenset(
            item["id"]
            for item in items
            if not item["veto"] and not (item.get("verifies") or "").startswith("mechanisms.")
        ),
        {check: tuple(ids) for check, ids in verifying.items()},
    )


def failed_items(results: Mapping[str, str]) -> frozenset[str]:
    """The ids of the items that failed, from {item id: result}."""
    return frozenset(item for item, result in results.items() if result == "fail")


def checklist_dates(parameters: Mapping[str, Any]) -> tuple[tuple[dt.date, frozenset[str]], ...]:
    """A policy's checklists by effective date, as item ids (`parameters`: a Policy's)."""
    param = parameters.get("inspection.checklist")
    if param is None:
        return ()
    return tuple((v.effective_from, frozenset(item["id"] for item in v.value)) for v in param.values)


def unknown_items(checklists: Checklists, program: str, day: dt.date, item_ids: Iterable[str]) -> str | None:
    """Why these item ids do not fit `program`'s checklist in force on `day`, or None when they do."""
    dated = checklists.get(program, ())
    i = bisect_right([d for d, _ in dated], day)
    if i == 0:
        return f"{program} has no inspection checklist in force on {day}"
    known = dated[i - 1][1]
    for item in item_ids:
        if item not in known:
            return f"item {item!r} is not in the {program} inspection checklist in force on {day}"
    return None
