"""The one place that knows the record formats (docs/architecture.md, Record formats).

Each kind has a pydantic model that validates one row, the natural key that
identifies it, and the mapping from a validated row to table columns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from checks.calendar import today
from checks.evidence import Commitments
from checks.inspections import unknown_items
from checks.plaintext import control_character
from checks.uscc import validate_uscc
from registry import models


def column_check(check: Callable[[list[Any], dict], bool]):
    """Give an after-validator its batch form: `check(values, context)` is True when every value
    of a column passes the validator (registry.bulk runs it once over a chunk's column; when it
    is False, each distinct value goes through the validator itself to find the rows)."""

    def mark(func):
        func.column_check = check
        return func

    return mark


def _uscc(value: str, info: ValidationInfo) -> str:
    overrides = (info.context or {}).get("uscc_overrides", frozenset())
    return validate_uscc(value, overrides)


EARLIEST_DAY = dt.date(1949, 1, 1)  # no record of the registry's sources predates 1949
DEFAULT_MAX_AMOUNT_YUAN = 1e10  # Settings.max_amount_yuan; ingest passes it in the context


@column_check(lambda values, _context: control_character("".join(values)) is None)
def _plain(value: str) -> str:
    control = control_character(value)
    if control:
        raise ValueError(f"{control}: names, addresses and store names are plain text on one line")
    return value


def _days_within(values: list[dt.date], context: dict) -> bool:
    latest = (context or {}).get("latest_day") or today() + dt.timedelta(days=1)
    return not values or (min(values) >= EARLIEST_DAY and max(values) <= latest)


@column_check(_days_within)
def _day(value: dt.date, info: ValidationInfo) -> dt.date:
    """A record's date: not before 1949, not after the ingest date plus a day (a clock ahead)."""
    latest = (info.context or {}).get("latest_day") or today() + dt.timedelta(days=1)
    if value < EARLIEST_DAY:
        raise ValueError(f"{value} is before {EARLIEST_DAY}: no record of the sources is that old")
    if value > latest:
        raise ValueError(f"{value} is after {latest}, the day after the ingest date")
    return value


@column_check(
    lambda values, context: not values or max(values) <= (context or {}).get("max_amount_yuan", DEFAULT_MAX_AMOUNT_YUAN)
)
def _amount(value: float, info: ValidationInfo) -> float:
    ceiling = (info.context or {}).get("max_amount_yuan", DEFAULT_MAX_AMOUNT_YUAN)
    if value > ceiling:
        raise ValueError(f"{value:g} yuan is above {ceiling:g} (ASSURED_MAX_AMOUNT_YUAN)")
    return value


USCC = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_uscc)]
Text = Annotated[str, Field(max_length=4000)]
PlainText = Annotated[str, Field(max_length=4000), AfterValidator(_plain)]
Name = Annotated[str, Field(min_length=1, max_length=400), AfterValidator(_plain)]
Money = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_amount)]
Day = Annotated[dt.date, AfterValidator(_day)]
Region = Annotated[str, Field(pattern=r"^\d{6}$")]
Industry = Annotated[str, Field(pattern=r"^[A-T]\d{2,4}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]  # a stored file, by content (lower-case hex)
ItemId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
Program = Literal["model_unit", "seven_day_return"]
# A note may be left out or, in CSV, an empty cell: both are no note ("", as JSON Lines gives it).
Note = Annotated[str, BeforeValidator(lambda v: "" if v is None else v), Field(max_length=4000)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def not_before(earlier_name: str, *later_names: str):
    """A validator on `later_names`: each, when given, must not be before `earlier_name`
    (declared earlier in the record, so it is already validated)."""

    def check(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        earlier = info.data.get(earlier_name)
        if value is not None and earlier is not None and value < earlier:
            raise ValueError(f"{info.field_name} {value} is before {earlier_name} {earlier}")
        return value

    return field_validator(*later_names)(check)


class RegistrationRecord(Record):
    uscc: USCC
    name: Name
    entity_type: Literal["enterprise", "individual", "cooperative"]
    status: Literal["active", "suspended", "revoked", "deregistered"]
    established_on: Day
    region_code: Region
    industry_code: Industry
    address: PlainText
    legal_representative: PlainText
    contact_email: Text
    odr_enrolled_on: Day | None = None


PenaltyKind = Literal[
    "warning", "public_criticism", "fine", "confiscation", "suspension", "license_revocation", "employment_ban"
]


class PenaltyRecord(Record):
    decision_no: Name
    uscc: USCC
    decided_on: Day
    authority: Name
    procedure: Literal["general", "simple"]
    kinds: Annotated[list[PenaltyKind], Field(min_length=1)]
    fine_yuan: Money
    category: Literal["general", "food", "drug", "special_equipment"]
    violation: Text
    repaired_on: Day | None = None
    revoked_on: Day | None = None

    _dates = not_before("decided_on", "repaired_on", "revoked_on")


class ComplaintRecord(Record):
    complaint_id: Name
    uscc: USCC
    kind: Literal["complaint", "report", "consultation"]
    channel: Literal["12315", "odr", "platform315", "hotline"]
    received_on: Day
    category: Name
    status: Literal["open", "reconciled", "mediated", "mediation_failed", "terminated", "not_accepted"]
    closed_on: Day | None = None
    amount_yuan: Money
    recovered_yuan: Money
    text: Text

    _dates = not_before("received_on", "closed_on")


class CreditListingRecord(Record):
    uscc: USCC
    list: Literal["abnormal_operations", "serious_dishonest", "complaint_blacklist"]
    listed_on: Day
    removed_on: Day | None = None
    reason: Text

    _dates = not_before("listed_on", "removed_on")


class CreditClassRecord(Record):
    uscc: USCC
    risk_class: Literal["A", "B", "C", "D"]
    classified_on: Day


class ApplicationRecord(Record):
    """An application to one programme (online form or a counter batch row)."""

    uscc: USCC
    program: Literal["model_unit", "seven_day_return"]
    channel: Literal["online", "offline"]
    submitted_on: dt.date  # intake, not ingest: a counter batch may be dated for a drill (--as-of)
    store_name: Name
    contact_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]
    commitments: Commitments = Commitments()


class InspectionItem(Record):
    """One checklist item's finding on site."""

    result: Literal["pass", "fail", "not_applicable"]
    note: Note = ""


class InspectionRecord(Record):
    """On-site acceptance (评价验收) of one applicant: each checklist item's result, photos, a conclusion."""

    inspection_id: Name
    uscc: USCC
    program: Program
    inspected_on: Day
    inspector: Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_plain)]  # account username
    items: Annotated[dict[ItemId, InspectionItem], Field(min_length=1)]
    conclusion: Literal["pass", "fail"]
    photos: Annotated[list[Sha256], BeforeValidator(lambda v: [] if v is None else v), Field(max_length=100)] = []

    @field_validator("items")
    @classmethod
    def _in_checklist(cls, items: dict[str, InspectionItem], info: ValidationInfo) -> dict[str, InspectionItem]:
        """Every item id is in the programme's checklist in force on `inspected_on` (ingest
        passes the policies' checklists in the context; without them only the shape is checked)."""
        checklists = (info.context or {}).get("checklists")
        program, day = info.data.get("program"), info.data.get("inspected_on")
        if checklists is not None and program is not None and day is not None:
            problem = unknown_items(checklists, program, day, items)
            if problem:
                raise ValueError(problem)
        return items


class MysteryShopRecord(Record):
    """A mystery-shopping visit (暗访) by a volunteer, named by code only."""

    shop_id: Name
    uscc: USCC
    visited_on: Day
    shopper: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]  # a volunteer code, never a name
    scenario: Literal["return_request", "price_display", "complaint_handling", "other"]
    outcome: Literal["accepted", "refused", "partial", "not_tested"]
    within_commitment: bool | None = None
    note: Note = ""


class RatingRecord(Record):
    """A consumer's rating (消费者评价) of a business; `text` is masked wherever it is shown."""

    rating_id: Name
    uscc: USCC
    rated_on: Day
    stars: Annotated[int, Field(ge=1, le=5)]
    channel: Literal["platform315", "qr", "survey", "other"]
    text: Text | None = None


@dataclass(frozen=True, eq=False)
class Kind:
    """One record kind: its row model, table and natural key."""

    name: str
    record: type[Record]
    model: type[models.Base] | None
    key: tuple[str, ...]

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.record.model_fields)

    @cached_property
    def list_fields(self) -> frozenset[str]:
        return frozenset(
            n for n, f in self.record.model_fields.items() if getattr(f.annotation, "__origin__", None) is list
        )

    @cached_property
    def dict_fields(self) -> frozenset[str]:
        return frozenset(
            n for n, f in self.record.model_fields.items() if getattr(f.annotation, "__origin__", None) is dict
        )

    @cached_property
    def json_fields(self) -> frozenset[str]:
        """Fields a CSV cell carries as JSON text (lists, mappings and nested objects)."""
        nested = frozenset(
            n
            for n, f in self.record.model_fields.items()
            if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)
        )
        return self.list_fields | self.dict_fields | nested

    @cached_property
    def _converted(self) -> tuple[tuple[int, Any], ...]:
        """(position, converter) for fields not stored as they are validated."""
        out: list[tuple[int, Callable[[Any], Any]]] = []
        for i, (name, f) in enumerate(self.record.model_fields.items()):
            if name in self.list_fields:
                out.append((i, lambda v: ",".join(sorted(set(v)))))
            elif name in self.dict_fields:
                out.append((i, _json_text))
            elif dt.date in (
                f.annotation,
                *(getattr(a, "__origin__", a) for a in getattr(f.annotation, "__args__", ())),
            ):
                out.append((i, lambda v: None if v is None else v.isoformat()))
        return tuple(out)

    def columns(self, rec: Record) -> tuple[Any, ...]:
        """Column values in `fields` order, as stored: dates as ISO text (what SQLAlchemy's
        Date keeps in SQLite, and text the PostgreSQL driver casts), lists sorted, comma-joined,
        mappings as JSON text with sorted keys."""
        values = list(rec.__dict__.values())  # pydantic keeps fields in declaration order
        for i, convert in self._converted:
            values[i] = convert(values[i])
        return tuple(values)


def _json_text(value: dict[str, Any]) -> str:
    plain = {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in value.items()}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("registrations", RegistrationRecord, models.Registration, ("uscc",)),
        Kind("penalties", PenaltyRecord, models.Penalty, ("decision_no",)),
        Kind("complaints", ComplaintRecord, models.Complaint, ("complaint_id",)),
        Kind("credit_listings", CreditListingRecord, models.CreditListing, ("uscc", "list", "listed_on")),
        Kind("credit_classes", CreditClassRecord, models.CreditClass, ("uscc", "classified_on")),
        Kind("inspections", InspectionRecord, models.Inspection, ("inspection_id",)),
        Kind("mystery_shops", MysteryShopRecord, models.MysteryShop, ("shop_id",)),
        Kind("ratings", RatingRecord, models.Rating, ("rating_id",)),
    )
}
APPLICATIONS = Kind("applications", ApplicationRecord, None, ("uscc", "program"))  # intake, not ingest
# Order a folder is ingested in: businesses before the records that refer to them.
INGEST_ORDER = tuple(KINDS)


def row_hash(values: tuple[Any, ...]) -> int:
    """Signed 64-bit digest of a row's column values (stable across processes)."""
    digest = hashlib.blake2b("\x1f".join(map(str, values)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
