"""Dated policy files (OpenFisca-style): every threshold, window, weight and pass mark.

A policy file is `checks/policies/<programme>.yaml`. Its `parameters` nest by dotted
name; a leaf holds `values`, each with `effective_from`, `value` and `source` (and
`unverified: true` where DOMAIN.md marks a default that is not law). Values are
chosen by the as-of date — the latest `effective_from` on or before it — never
"the latest value". An assessment records the policy id, the effective date of the
values it used and the file's sha256, so a past decision can be re-derived.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from checks.errors import AssuredError, Kind

POLICY_DIR = Path(__file__).with_name("policies")
PROGRAMS = ("model_unit", "seven_day_return")
VETO_IDS = ("V1", "V2", "V3", "V4", "V5", "V6", "V7")

_INT, _NUM, _STR, _LIST = (TypeAdapter(t, config=ConfigDict(strict=True)) for t in (int, float, str, list[str]))

# name -> (type, veto that needs it or None when always needed)
SCHEMA: dict[str, tuple[TypeAdapter, str | None]] = {
    "pass_mark": (_NUM, None),
    "vetoes.enabled": (_LIST, None),
    "vetoes.required_credit_class": (_STR, "V4"),
    "vetoes.severe_penalty_kinds": (_LIST, None),
    "vetoes.severe_penalty_years": (_INT, None),
    "vetoes.min_return_days": (_INT, "V7"),
    "handling.acceptance_working_days": (_INT, None),
    "handling.mediation_working_days": (_INT, None),
    "handling.blacklist_days": (_INT, None),
    "penalties.short_publicity_months": (_INT, None),
    "penalties.short_publicity_kinds": (_LIST, None),
    "penalties.long_publicity_years": (_INT, None),
    "penalties.lower_fine_natural_person_yuan": (_NUM, None),
    "penalties.lower_fine_organisation_yuan": (_NUM, None),
    "penalties.natural_person_entity_types": (_LIST, None),
    "penalties.repair_after_months": (_INT, None),
    "penalties.strict_repair_after_months": (_INT, None),
    "penalties.strict_repair_categories": (_LIST, None),
    "compliance.penalties.max_points": (_NUM, None),
    "compliance.penalties.points_each": (_NUM, None),
    "compliance.penalties.window_years": (_INT, None),
    "compliance.abnormal_history.points": (_NUM, None),
    "compliance.abnormal_history.window_years": (_INT, None),
    "complaints.window_months": (_INT, None),
    "complaints.reconciliation.max_points": (_NUM, None),
    "complaints.reconciliation.full_rate": (_NUM, None),
    "complaints.reconciliation.reference_rate": (_NUM, None),
    "complaints.reconciliation.reference_points": (_NUM, None),
    "complaints.reconciliation.zero_rate": (_NUM, None),
    "complaints.closed_within.max_points": (_NUM, None),
    "complaints.closed_within.days": (_INT, None),
    "mechanisms.points_each": (_NUM, None),
    "mechanisms.min_return_days": (_INT, None),
    "longevity.points_per_year": (_NUM, None),
    "longevity.max_points": (_NUM, None),
    "bonus.max_points": (_NUM, None),
    "bonus.long_return_days": (_INT, None),
    "bonus.long_return_points": (_NUM, None),
    "bonus.any_branch_points": (_NUM, None),
    "bonus.refund_48h_points": (_NUM, None),
    "recheck.spike_window_days": (_INT, None),
    "recheck.spike_factor": (_NUM, None),
    "recheck.spike_min_count": (_INT, None),
    "recheck.reconciliation_floor": (_NUM, None),
    "lifecycle.announcement_working_days": (_INT, None),
    "lifecycle.objection_working_days": (_INT, None),
    "lifecycle.validity_years": (_INT, None),
    "lifecycle.recheck_interval_months": (_INT, None),
}
# Kept in the policy for the flows (complaint handling, monitoring, announcement) but
# not read by an assessment, so they do not move an assessment's effective date.
OUTSIDE_ASSESSMENT = frozenset({
    "handling.acceptance_working_days", "handling.mediation_working_days",
    "recheck.spike_factor", "recheck.spike_min_count", "recheck.reconciliation_floor",
    "lifecycle.announcement_working_days", "lifecycle.objection_working_days",
    "lifecycle.validity_years", "lifecycle.recheck_interval_months",
})


class PolicyError(AssuredError, ValueError):
    """A policy file that cannot be used: names the file, the parameter and the date."""

    kind = Kind.bad_input


class DatedValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    effective_from: dt.date
    value: Any
    source: str = Field(min_length=1)
    unverified: bool = False


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = Field(min_length=1)
    unit: str | None = None
    values: list[DatedValue] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _increasing(cls, values: list[DatedValue]) -> list[DatedValue]:
        dates = [v.effective_from for v in values]
        for earlier, later in zip(dates, dates[1:]):
            if later <= earlier:
                raise ValueError(f"effective_from dates must increase: {later} follows {earlier}")
        return values


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Any]


class Params(dict):
    """Parameter values by dotted name, plus `memo`: results that depend on nothing but these
    values (a check's outcome for "nothing on record"), computed once per policy and date."""

    __slots__ = ("memo",)

    def __init__(self, values: dict[str, Any]):
        super().__init__(values)
        self.memo: dict[str, Any] = {}


@dataclass(frozen=True)
class Resolved:
    """The values of one policy as of one date.

    `effective_from` is the latest `effective_from` among the values an assessment reads.
    """

    policy_id: str
    as_of: dt.date
    effective_from: dt.date
    values: Params
    sources: dict[str, str]
    unverified: frozenset[str]
    values_sha256: str  # hash of the values in force: equal for two files that agree on this date
    _subsets: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    _derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, key: Any, compute: Callable[[Resolved], Any]) -> Any:
        """`compute(self)`, computed once per key (dates and windows every business shares)."""
        hit = self._derived.get(key)
        if hit is None:
            hit = self._derived[key] = compute(self)
        return hit

    def subset(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The values of `names` (one shared dict per tuple of names: callers must not mutate it)."""
        hit = self._subsets.get(names)
        if hit is None:
            hit = self._subsets[names] = {n: self.values[n] for n in names}
        return hit

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(frozen=True, eq=False)
class Policy:
    id: str
    title_zh: str
    title_en: str
    path: Path
    sha256: str
    parameters: dict[str, Parameter]
    _resolved: dict[dt.date, Resolved] = field(default_factory=dict, repr=False)

    def value(self, name: str, as_of: dt.date) -> Any:
        return self._dated(name, as_of).value

    def _dated(self, name: str, as_of: dt.date) -> DatedValue:
        param = self.parameters.get(name)
        if param is None:
            raise PolicyError(f"parameter {name!r} not found for {self.id} as of {as_of} ({self.path})")
        values = param.values
        i = bisect_right([v.effective_from for v in values], as_of)
        if i == 0:
            raise PolicyError(
                f"parameter {name!r} not found for {self.id} as of {as_of} "
                f"({self.path}: its earliest value is effective from {values[0].effective_from})"
            )
        return values[i - 1]

    def at(self, as_of: dt.date) -> Resolved:
        """Every parameter in force on `as_of`; fails naming the first one that is not."""
        hit = self._resolved.get(as_of)
        if hit is not None:
            return hit
        enabled = self._dated("vetoes.enabled", as_of).value
        chosen: dict[str, DatedValue] = {}
        for name, (_, needed_by) in SCHEMA.items():
            if needed_by is not None and needed_by not in enabled:
                continue
            chosen[name] = self._dated(name, as_of)
        values = {n: v.value for n, v in chosen.items()}
        blob = json.dumps(values, sort_keys=True, ensure_ascii=False)
        resolved = Resolved(
            policy_id=self.id,
            as_of=as_of,
            effective_from=max(v.effective_from for n, v in chosen.items() if n not in OUTSIDE_ASSESSMENT),
            values=Params(values),
            sources={n: v.source for n, v in chosen.items()},
            unverified=frozenset(n for n, v in chosen.items() if v.unverified),
            values_sha256=hashlib.sha256(blob.encode()).hexdigest(),
        )
        self._resolved[as_of] = resolved
        return resolved


def policy_path(program: str) -> Path:
    if program not in PROGRAMS:
        raise PolicyError(f"unknown programme {program!r}: expected one of {', '.join(PROGRAMS)}")
    return POLICY_DIR / f"{program}.yaml"


_LOADED: dict[tuple[str, str], Policy] = {}


def load_policy(source: str | Path) -> Policy:
    """Load and validate a policy: a programme id (`model_unit`) or a YAML file path."""
    path = policy_path(source) if isinstance(source, str) and source in PROGRAMS else Path(source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"policy file {path}: cannot read ({exc.strerror})") from exc
    digest = hashlib.sha256(raw).hexdigest()
    cached = _LOADED.get((str(path), digest))
    if cached is not None:  # parsing and validating the YAML costs ~50 ms; the bytes decide
        return cached
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path}: not valid YAML ({exc})") from exc
    try:
        head = PolicyFile.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"]))
        raise PolicyError(f"policy file {path}: {where}: {err['msg']}") from exc
    params = _flatten(path, head.parameters)
    policy = _LOADED[(str(path), digest)] = Policy(head.id, head.title_zh, head.title_en, path, digest, params)
    return policy


def _flatten(path: Path, tree: dict[str, Any], prefix: str = "") -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for key, node in tree.items():
        name = f"{prefix}{key}"
        if not isinstance(node, dict):
            raise PolicyError(f"policy file {path}: parameter {name!r}: expected a mapping, got {node!r}")
        if "values" not in node:
            out.update(_flatten(path, node, name + "."))
            continue
        if name not in SCHEMA:
            raise PolicyError(f"policy file {path}: parameter {name!r} is not a known parameter")
        try:
            param = Parameter.model_validate(node)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(map(str, err["loc"]))
            raise PolicyError(f"policy file {path}: parameter {name!r}: {where}: {err['msg']}") from exc
        adapter = SCHEMA[name][0]
        for dated in param.values:
            try:
                adapter.validate_python(dated.value)
            except ValidationError as exc:
                raise PolicyError(
                    f"policy file {path}: parameter {name!r} effective {dated.effective_from}: "
                    f"{exc.errors()[0]['msg']} (got {dated.value!r})"
                ) from exc
            if name == "vetoes.enabled" and (unknown := set(dated.value) - set(VETO_IDS)):
                raise PolicyError(
                    f"policy file {path}: parameter {name!r} effective {dated.effective_from}: "
                    f"unknown veto {sorted(unknown)[0]!r}"
                )
        out[name] = param
    return out
