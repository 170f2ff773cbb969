"""消费维权联席会议成员单位: which sector regulator receives the notification letter for
complaints about businesses of which industries (`checks/policies/member_units.yaml`)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from checks.errors import AssuredError, Kind

MEMBER_UNITS_DEFAULT = Path(__file__).parents[1] / "policies" / "member_units.yaml"


class MemberUnitsError(AssuredError, ValueError):
    kind = Kind.bad_input


@dataclasses.dataclass(frozen=True)
class MemberUnit:
    id: str
    name_zh: str
    name_en: str
    industries: tuple[str, ...]
    addressee_zh: str = ""  # the full name a letter is addressed to (湖北省商务厅); empty: name_zh

    @property
    def addressee(self) -> str:
        return self.addressee_zh or self.name_zh


@dataclasses.dataclass(frozen=True)
class MemberUnits:
    path: str
    default: MemberUnit
    units: tuple[MemberUnit, ...]

    def all(self) -> tuple[MemberUnit, ...]:
        return (*self.units, self.default)

    def unit_for(self, industry_code: str | None) -> MemberUnit:
        """The unit with the longest key the code starts with; the default unit otherwise."""
        code, best, best_len = industry_code or "", self.default, 0
        for unit in self.units:
            for key in unit.industries:
                if code.startswith(key) and len(key) > best_len:
                    best, best_len = unit, len(key)
        return best

    def addressed(self, names: dict[str, str], where: str = "member_addressees") -> MemberUnits:
        """The same units with the full names a bureau addresses them by (unit id -> name); an
        unknown id or an empty name is refused, naming it."""
        ids = {u.id for u in self.all()}
        for uid, name in names.items():
            if uid not in ids:
                raise MemberUnitsError(f"{where}: {uid!r} is not a member unit (known: {', '.join(sorted(ids))})")
            if not name.strip():
                raise MemberUnitsError(f"{where}.{uid}: empty name")

        def named(u: MemberUnit) -> MemberUnit:
            return dataclasses.replace(u, addressee_zh=names[u.id].strip()) if u.id in names else u

        return MemberUnits(self.path, named(self.default), tuple(named(u) for u in self.units))


_KEY = re.compile(r"^[A-T](\d{2,4})?$")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _unit(raw: Any, where: str, path: Path, default: bool = False) -> MemberUnit:
    if not isinstance(raw, dict):
        raise MemberUnitsError(
            f"member units file {path}: {where}: expected a mapping with id, name_zh, name_en"
            f"{'' if default else ', industries'}"
        )
    allowed = {"id", "name_zh", "name_en", "addressee_zh"} | (set() if default else {"industries"})
    for key in raw:
        if key not in allowed:
            raise MemberUnitsError(
                f"member units file {path}: {where}.{key}: unknown key (allowed: {', '.join(sorted(allowed))})"
            )
    for key in ("id", "name_zh", "name_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise MemberUnitsError(f"member units file {path}: {where}.{key}: missing or not a non-empty text")
    if not _ID.match(raw["id"]):
        raise MemberUnitsError(
            f"member units file {path}: {where}.id: {raw['id']!r} is not a lower-case identifier (a-z, 0-9, _)"
        )
    industries: list[str] = []
    if not default:
        values = raw.get("industries")
        if not isinstance(values, list) or not values:
            raise MemberUnitsError(f"member units file {path}: {where}.industries: expected a non-empty list")
        for i, key in enumerate(values):
            if not isinstance(key, str) or not _KEY.match(key):
                raise MemberUnitsError(
                    f"member units file {path}: {where}.industries[{i}]: {key!r} is not a "
                    f"GB/T 4754 section letter (A-T) or industry code (e.g. F52, L7291)"
                )
            industries.append(key)
    addressee = raw.get("addressee_zh", "")
    if not isinstance(addressee, str):
        raise MemberUnitsError(f"member units file {path}: {where}.addressee_zh: {addressee!r} is not a text")
    return MemberUnit(raw["id"], raw["name_zh"].strip(), raw["name_en"].strip(), tuple(industries), addressee.strip())


def load_member_units(path: Path | str | None = None) -> MemberUnits:
    """Read and validate a member-unit mapping (default `checks/policies/member_units.yaml`); a bad
    file raises MemberUnitsError naming the file and the key."""
    path = Path(path) if path else MEMBER_UNITS_DEFAULT
    try:
        raw = yaml.safe_load(path.read_bytes())
    except OSError as exc:
        raise MemberUnitsError(f"member units file {path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise MemberUnitsError(f"member units file {path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise MemberUnitsError(f"member units file {path}: expected a mapping with version, default, units")
    for key in raw:
        if key not in ("version", "default", "units"):
            raise MemberUnitsError(f"member units file {path}: {key}: unknown key (allowed: default, units, version)")
    if raw.get("version", 1) != 1:
        raise MemberUnitsError(f"member units file {path}: version: {raw.get('version')!r} is not 1")
    default = _unit(raw.get("default"), "default", path, default=True)
    if not isinstance(raw.get("units"), list):
        raise MemberUnitsError(f"member units file {path}: units: expected a list of units")
    units = tuple(_unit(u, f"units[{i}]", path) for i, u in enumerate(raw["units"]))
    seen_ids, seen_keys = {default.id}, dict[str, str]()
    for i, unit in enumerate(units):
        if unit.id in seen_ids:
            raise MemberUnitsError(f"member units file {path}: units[{i}].id: {unit.id!r} is used twice")
        seen_ids.add(unit.id)
        for j, key in enumerate(unit.industries):
            if key in seen_keys:
                raise MemberUnitsError(
                    f"member units file {path}: units[{i}].industries[{j}]: {key!r} already "
                    f"belongs to {seen_keys[key]!r}"
                )
            seen_keys[key] = unit.id
    return MemberUnits(str(path), default, units)
