"""Dated policy files (OpenFisca-style): every threshold, window, weight and pass mark.

A programme's policy is `checks/policies/<programme>.yaml`, which `extends` the values
every programme shares, `checks/policies/common.yaml`, and holds only what differs (a
parameter in both is the programme's). A file without `extends` stands alone (a draft
written out by `policy_document` is one). `parameters` nest by dotted name; a leaf holds
`values`, each with `effective_from`, `value` and `source` (and `unverified: true` for a
default that is not law, see docs/domain.md). Values are chosen by the as-of date — the
latest `effective_from` on or before it — never "the latest value". An assessment records
the policy id, the effective date of the values it used and the policy's sha256, so a past
decision can be re-derived.

The sha256 is over the bytes of the files the policy is read from: the programme's file,
then, for the file it extends, a NUL byte and that file's bytes (a standalone file: its
own bytes' sha256).
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
from checks.inspections import CHECKLIST
from checks.programmes import Programme

POLICY_DIR = Path(__file__).with_name("policies")
PROGRAMS = tuple(Programme)
VETO_IDS = ("V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9")

_INT, _NUM, _STR, _LIST, _BOOL = (
    TypeAdapter(t, config=ConfigDict(strict=True)) for t in (int, float, str, list[str], bool)
)

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
    "bonus.satisfaction.window_months": (_INT, None),
    "bonus.satisfaction.min_count": (_INT, None),
    "bonus.satisfaction.max_points": (_NUM, None),
    "bonus.satisfaction.full_mean": (_NUM, None),
    "bonus.satisfaction.partial_mean": (_NUM, None),
    "bonus.satisfaction.partial_points": (_NUM, None),
    "inspection.deduction_points": (_NUM, None),
    "field.refused_return_months": (_INT, None),
    "field.refused_return_points": (_NUM, None),
    "recheck.spike_window_days": (_INT, None),
    "recheck.spike_factor": (_NUM, None),
    "recheck.spike_min_count": (_INT, None),
    "recheck.reconciliation_floor": (_NUM, None),
    "recheck.satisfaction_floor": (_NUM, None),
    "lifecycle.announcement_working_days": (_INT, None),
    "lifecycle.objection_working_days": (_INT, None),
    "lifecycle.validity_years": (_INT, None),
    "lifecycle.recheck_interval_months": (_INT, None),
    "lifecycle.review_working_days.county": (_INT, None),
    "lifecycle.review_working_days.city": (_INT, None),
    "lifecycle.review_working_days.province": (_INT, None),
    "lifecycle.reconsideration.body_zh": (_STR, None),
    "lifecycle.reconsideration.working_days": (_INT, None),
    "lifecycle.administrative_review_days": (_INT, None),
    "lifecycle.litigation_months": (_INT, None),
    "commitment_letter.paragraphs": (_LIST, None),
    "inspection.checklist": (CHECKLIST, None),
    "recheck.mystery_shop_months": (_INT, None),
    "review.require_inspection.county": (_BOOL, None),
    "review.require_inspection.city": (_BOOL, None),
    "review.require_inspection.province": (_BOOL, None),
}
# Kept in the policy for the flows (complaint handling, monitoring, announcement) but
# not read by an assessment, so they do not move an assessment's effective date.
OUTSIDE_ASSESSMENT = frozenset(
    {
        "handling.acceptance_working_days",
        "handling.mediation_working_days",
        "recheck.spike_factor",
        "recheck.spike_min_count",
        "recheck.reconciliation_floor",
        "lifecycle.announcement_working_days",
        "lifecycle.objection_working_days",
        "lifecycle.validity_years",
        "lifecycle.recheck_interval_months",
        "lifecycle.review_working_days.county",
        "lifecycle.review_working_days.city",
        "lifecycle.review_working_days.province",
        "lifecycle.reconsideration.body_zh",  # read by letters and notices, not by an assessment
        "lifecycle.reconsideration.working_days",
        "lifecycle.administrative_review_days",
        "lifecycle.litigation_months",
        "commitment_letter.paragraphs",
        "recheck.mystery_shop_months",
        "review.require_inspection.county",
        "review.require_inspection.city",
        "review.require_inspection.province",
        "recheck.satisfaction_floor",
    }
)


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
    extends: str | None = None  # a file of shared values, relative to this file's folder
    parameters: dict[str, Any]


class SharedFile(BaseModel):
    """A file a policy extends: parameters only."""

    model_config = ConfigDict(extra="forbid", frozen=True)
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
    origins: dict[str, Path] = field(default_factory=dict, repr=False)  # the file each parameter comes from
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
                f"({self.origins.get(name, self.path)}: its earliest value is effective from "
                f"{values[0].effective_from})"
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
_HEADS: dict[tuple[str, str], PolicyFile] = {}


def load_policy(source: str | Path) -> Policy:
    """Load and validate a policy: a programme id (`model_unit`) or a YAML file path."""
    path = _source_path(source)
    raw = _read(path)
    # the bytes decide here too: parsing a programme file for its `extends` costs ~2 ms, and a
    # screening task, an application and a certificate each load their policy
    head = _HEADS.get(key := (str(path), hashlib.sha256(raw).hexdigest()))
    if head is None:
        head = _HEADS[key] = _validated(path, PolicyFile, _parse(path, raw))
    files = [(path, raw, head.parameters)]
    if head.extends is not None:
        shared_path = path.parent / head.extends
        shared_raw = _read(shared_path)
        files.append((shared_path, shared_raw, None))
    digest = hashlib.sha256(b"\0".join(raw for _, raw, _ in files)).hexdigest()
    cached = _LOADED.get((str(path), digest))
    if cached is not None:  # validating the parameters costs ~50 ms; the bytes decide
        return cached
    params: dict[str, Parameter] = {}
    origins: dict[str, Path] = {}
    for file, raw, tree in reversed(files):  # the shared values first: the programme's replace them
        if tree is None:
            tree = _validated(file, SharedFile, _parse(file, raw)).parameters
        flat = _flatten(file, tree)
        params.update(flat)
        origins.update(dict.fromkeys(flat, file))
    policy = _LOADED[(str(path), digest)] = Policy(head.id, head.title_zh, head.title_en, path, digest, params, origins)
    return policy


def policy_document(source: str | Path) -> dict[str, Any]:
    """A policy's YAML document with the file it extends merged in (and no `extends`): written
    out, it is a standalone policy file with the same values (a draft to edit)."""
    path = _source_path(source)
    doc = _parse(path, _read(path))
    extends = doc.pop("extends", None)
    if extends is not None:
        shared = _parse(path.parent / extends, _read(path.parent / extends))
        doc["parameters"] = _merged(shared["parameters"], doc["parameters"])
    return doc


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`base`'s parameter tree with `over`'s leaves added or put in their place."""
    out = dict(base)
    for key, node in over.items():
        below = out.get(key)
        if isinstance(node, dict) and isinstance(below, dict) and "values" not in node and "values" not in below:
            out[key] = _merged(below, node)
        else:
            out[key] = node
    return out


def _source_path(source: str | Path) -> Path:
    return policy_path(source) if isinstance(source, str) and source in PROGRAMS else Path(source)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"policy file {path}: cannot read ({exc.strerror})") from exc


def _parse(path: Path, raw: bytes) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path}: not valid YAML ({exc})") from exc


def _validated(path: Path, model: type[PolicyFile] | type[SharedFile], doc: Any) -> Any:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"]))
        raise PolicyError(f"policy file {path}: {where}: {err['msg']}") from exc


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
