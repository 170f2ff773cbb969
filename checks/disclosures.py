"""Public disclosures (信息公示), pure shaping: periods, rates, masking, top-N, trends, member units.

Everything here works on plain rows the registry has already aggregated in SQL
(`registry.disclosures`); nothing reads the database. The documents built here are
plain dicts that `documents.disclosures` renders and `flows.publish` writes as
CSV and JSON.

Definitions (DOMAIN.md, Complaints): a complaint is a row of kind `complaint`
(consultations and reports are not complaints); `received` counts every complaint,
`not_accepted` those not accepted, and the reconciliation rate is
`reconciled / (received - not_accepted)`. The reference is the Hubei 315 platform's
31,844 / 34,321 = 92.78 %.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from checks.programmes import title_zh
from checks.risk.masking import mask_personal_data

REFERENCE = {"reconciled": 31_844, "received": 34_321, "rate": round(31_844 / 34_321, 4),
             "source_zh": "湖北省315消费者权益保护平台 2023年1-10月", "source_en": "Hubei 315 platform, 1-10/2023"}
MEMBER_UNITS_DEFAULT = Path(__file__).parent / "policies" / "member_units.yaml"

# GB/T 4754-2017 sections (门类).
SECTIONS: dict[str, str] = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业",
    "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育", "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织", "T": "国际组织",
}
# Hubei's prefecture-level divisions (GB/T 2260); a region's city is its first 4 digits + "00".
CITIES: dict[str, str] = {
    "420100": "武汉市", "420200": "黄石市", "420300": "十堰市", "420500": "宜昌市", "420600": "襄阳市",
    "420700": "鄂州市", "420800": "荆门市", "420900": "孝感市", "421000": "荆州市", "421100": "黄冈市",
    "421200": "咸宁市", "421300": "随州市", "422800": "恩施土家族苗族自治州", "429000": "省直辖县级行政区划",
}
STATUS_ZH = {"valid": "有效", "suspended": "暂停", "expired": "已到期"}
UNREGISTERED = "未登记"
SAMPLE_CHARS = 160


# -- periods ------------------------------------------------------------------------------------

def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + n
    return k // 12, k % 12 + 1


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclasses.dataclass(frozen=True)
class Period:
    """The 12 calendar months up to `as_of` (the last one up to its day), and the same span a year
    earlier for comparison."""

    as_of: dt.date

    @property
    def months(self) -> list[str]:
        return [f"{y:04d}-{m:02d}" for y, m in (_add_months(self.as_of.year, self.as_of.month, -k)
                                                  for k in range(11, -1, -1))]

    @property
    def previous_months(self) -> list[str]:
        return [f"{int(m[:4]) - 1:04d}{m[4:]}" for m in self.months]

    @property
    def start(self) -> dt.date:
        y, m = _add_months(self.as_of.year, self.as_of.month, -11)
        return dt.date(y, m, 1)

    @property
    def end(self) -> dt.date:
        return self.as_of

    @property
    def previous_start(self) -> dt.date:
        return self.start.replace(year=self.start.year - 1)

    @property
    def previous_end(self) -> dt.date:
        return _year_earlier(self.as_of)

    def as_json(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "previous_from": self.previous_start.isoformat(), "previous_to": self.previous_end.isoformat()}


# -- counts and rates ---------------------------------------------------------------------------

def rate(reconciled: int, received: int, not_accepted: int) -> float | None:
    """reconciled / (received - not_accepted), or None when nothing was accepted."""
    accepted = received - not_accepted
    return round(reconciled / accepted, 4) if accepted > 0 else None


def counts(received: int = 0, not_accepted: int = 0, reconciled: int = 0) -> dict:
    return {"received": received, "not_accepted": not_accepted, "accepted": received - not_accepted,
            "reconciled": reconciled, "reconciliation_rate": rate(reconciled, received, not_accepted)}


def _add(total: list[int], row: Sequence[int]) -> None:
    for i, v in enumerate(row):
        total[i] += int(v or 0)


def section(industry_code: str | None) -> str:
    return (industry_code or "")[:1] if (industry_code or "")[:1] in SECTIONS else ""


def city(region_code: str | None) -> str:
    return region_code[:4] + "00" if region_code and len(region_code) >= 4 else ""


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def change(now: int, before: int) -> float | None:
    return round((now - before) / before, 4) if before else None


# -- masking ------------------------------------------------------------------------------------

def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Complaint text fit to publish: phone, ID, e-mail, long numbers and names before 先生/女士
    masked (`checks.risk.masking`), and each given name (legal representatives) replaced by *."""
    out = mask_personal_data(text or "")
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, "*")
    if len(out) > SAMPLE_CHARS:
        out = out[:SAMPLE_CHARS] + "…"
    return out


# -- member units -------------------------------------------------------------------------------

class MemberUnitsError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class MemberUnit:
    id: str
    name_zh: str
    name_en: str
    industries: tuple[str, ...]


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


_KEY = re.compile(r"^[A-T](\d{2,4})?$")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _unit(raw: Any, where: str, path: Path, default: bool = False) -> MemberUnit:
    if not isinstance(raw, dict):
        raise MemberUnitsError(f"member units file {path}: {where}: expected a mapping with id, name_zh, name_en"
                               f"{'' if default else ', industries'}")
    allowed = {"id", "name_zh", "name_en"} | (set() if default else {"industries"})
    for key in raw:
        if key not in allowed:
            raise MemberUnitsError(f"member units file {path}: {where}.{key}: unknown key "
                                   f"(allowed: {', '.join(sorted(allowed))})")
    for key in ("id", "name_zh", "name_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise MemberUnitsError(f"member units file {path}: {where}.{key}: missing or not a non-empty text")
    if not _ID.match(raw["id"]):
        raise MemberUnitsError(f"member units file {path}: {where}.id: {raw['id']!r} is not a lower-case "
                               f"identifier (a-z, 0-9, _)")
    industries: list[str] = []
    if not default:
        values = raw.get("industries")
        if not isinstance(values, list) or not values:
            raise MemberUnitsError(f"member units file {path}: {where}.industries: expected a non-empty list")
        for i, key in enumerate(values):
            if not isinstance(key, str) or not _KEY.match(key):
                raise MemberUnitsError(f"member units file {path}: {where}.industries[{i}]: {key!r} is not a "
                                       f"GB/T 4754 section letter (A-T) or industry code (e.g. F52, L7291)")
            industries.append(key)
    return MemberUnit(raw["id"], raw["name_zh"].strip(), raw["name_en"].strip(), tuple(industries))


def load_member_units(path: Path | str | None = None) -> MemberUnits:
    """Read and validate a member-unit mapping (default `checks/policies/member_units.yaml`); a bad
    file raises MemberUnitsError naming the file and the key."""
    import yaml

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
    seen_ids, seen_keys = {default.id}, {}
    for i, unit in enumerate(units):
        if unit.id in seen_ids:
            raise MemberUnitsError(f"member units file {path}: units[{i}].id: {unit.id!r} is used twice")
        seen_ids.add(unit.id)
        for j, key in enumerate(unit.industries):
            if key in seen_keys:
                raise MemberUnitsError(f"member units file {path}: units[{i}].industries[{j}]: {key!r} already "
                                       f"belongs to {seen_keys[key]!r}")
            seen_keys[key] = unit.id
    return MemberUnits(str(path), default, units)


# -- red and black lists ------------------------------------------------------------------------

RED_COLUMNS = ("number", "number_zh", "programme", "programme_zh", "business_name", "uscc", "region_code",
               "valid_from", "valid_until", "status", "status_zh")


def red_list(rows: Iterable[Mapping]) -> list[dict]:
    """Certificates on the red list (status valid, suspended or expired on the date), by number."""
    out = []
    for r in rows:
        if r["status"] not in STATUS_ZH:
            continue
        out.append({"number": r["number"], "number_zh": r["number_zh"], "programme": r["programme"],
                    "programme_zh": title_zh(r["programme"]),
                    "business_name": r["business_name"], "uscc": r["uscc"], "region_code": r["region_code"] or "",
                    "valid_from": r["valid_from"], "valid_until": r["valid_until"], "status": r["status"],
                    "status_zh": STATUS_ZH[r["status"]]})
    return sorted(out, key=lambda e: (e["programme"], e["number"]))


BLACK_COLUMNS = ("entry", "entry_zh", "uscc", "business_name", "region_code", "industry_code", "listed_on",
                 "reason_code", "reason_zh", "reason_en", "note", "certificate_number", "certificate_number_zh",
                 "programme")


def black_list(listings: Iterable[Mapping], revoked: Iterable[Mapping],
               reasons: Mapping[str, tuple[str, str]]) -> list[dict]:
    """Businesses on the complaint black list (one entry per business: its earliest current listing,
    reasons joined) and revoked certificates with their reason."""
    by_uscc: dict[str, list[Mapping]] = defaultdict(list)
    for r in listings:
        by_uscc[r["uscc"]].append(r)
    out = []
    for uscc, rows in by_uscc.items():
        rows = sorted(rows, key=lambda r: (r["listed_on"], r["reason"] or ""))
        first = rows[0]
        out.append({"entry": "complaint_blacklist", "entry_zh": "投诉黑名单", "uscc": uscc,
                    "business_name": first["business_name"] or UNREGISTERED, "region_code": first["region_code"] or "",
                    "industry_code": first["industry_code"] or "", "listed_on": first["listed_on"],
                    "reason_code": "complaint_blacklist",
                    "reason_zh": "；".join(dict.fromkeys(r["reason"] for r in rows if r["reason"])),
                    "reason_en": "on the complaint black list (complaint left unhandled past the deadline)",
                    "note": "", "certificate_number": "", "certificate_number_zh": "", "programme": ""})
    for r in revoked:
        zh, en = reasons.get(r["reason_code"], (r["reason_code"], r["reason_code"]))
        out.append({"entry": "revoked_certificate", "entry_zh": "撤销称号", "uscc": r["uscc"],
                    "business_name": r["business_name"] or UNREGISTERED, "region_code": r["region_code"] or "",
                    "industry_code": r["industry_code"] or "", "listed_on": r["revoked_on"],
                    "reason_code": r["reason_code"], "reason_zh": zh, "reason_en": en,
                    "note": mask_text(r["note"] or "", r.get("names", ())),
                    "certificate_number": r["number"], "certificate_number_zh": r["number_zh"],
                    "programme": r["programme"]})
    return sorted(out, key=lambda e: (e["entry"], e["uscc"], e["listed_on"], e["certificate_number"]))


# -- complaint information disclosure -----------------------------------------------------------

DISCLOSURE_COLUMNS = ("uscc", "business_name", "region_code", "industry_code", "received", "not_accepted",
                      "accepted", "reconciled", "open", "reconciliation_rate", "top_categories", "samples")


def enterprise_disclosure(rows: Iterable[Mapping], categories: Mapping[str, Iterable[tuple[str, int]]],
                          samples: Mapping[str, Iterable[Mapping]]) -> list[dict]:
    """One entry per enterprise: counts, rate, top 3 categories, masked sample texts; most complaints
    first. `rows` carry uscc, business_name, region_code, industry_code, received, not_accepted,
    reconciled, open; `samples[uscc]` rows carry received_on, category, text, legal_representative."""
    out = []
    for r in rows:
        u = r["uscc"]
        cats = sorted(categories.get(u, ()), key=lambda c: (-c[1], c[0]))[:3]
        shown = []
        for s in samples.get(u, ()):
            shown.append({"received_on": s["received_on"], "category": s["category"],
                          "text": mask_text(s["text"], (s.get("legal_representative") or "",))})
        out.append({"uscc": u, "business_name": r["business_name"] or UNREGISTERED,
                    "region_code": r["region_code"] or "", "industry_code": r["industry_code"] or "",
                    **counts(r["received"], r["not_accepted"], r["reconciled"]), "open": int(r["open"] or 0),
                    "top_categories": [{"category": c, "count": n} for c, n in cats], "samples": shown})
    return sorted(out, key=lambda e: (-e["received"], e["uscc"]))


# -- statistics ---------------------------------------------------------------------------------

CubeRow = tuple  # (industry_code, region4, category, "YYYY-MM", received, not_accepted, reconciled)


def _rollup(cube: Iterable[CubeRow], key, months: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in cube:
        if row[3] in months:
            _add(out[key(row)], row[4:7])
    return out


def _entries(totals: Mapping[str, list[int]], labels, order: str = "received") -> list[dict]:
    rows = [{"key": k, "label": labels(k), **counts(*v)} for k, v in totals.items()]
    if order == "key":
        return sorted(rows, key=lambda e: e["key"])
    return sorted(rows, key=lambda e: (-e["received"], e["key"]))


def _industry_label(code: str) -> str:
    return SECTIONS.get(section(code), UNREGISTERED) if code else UNREGISTERED


def statistics(cube: Sequence[CubeRow], period: Period) -> dict:
    """Industry complaint statistics (行业投诉统计) for the period, with the previous period beside it."""
    now, before = set(period.months), set(period.previous_months)
    total, prev = [0, 0, 0], [0, 0, 0]
    for row in cube:
        if row[3] in now:
            _add(total, row[4:7])
        elif row[3] in before:
            _add(prev, row[4:7])
    by_month = _rollup(cube, lambda r: r[3], now | before)
    months = []
    for m, p in zip(period.months, period.previous_months):
        months.append({"key": m, "label": m, **counts(*by_month.get(m, [0, 0, 0])),
                       "previous_year_received": by_month.get(p, [0, 0, 0])[0]})
    platform = counts(*total)
    return {
        "period": period.as_json(),
        "totals": platform,
        "previous_totals": counts(*prev),
        "change": change(total[0], prev[0]),
        "reference": REFERENCE,
        "rate_vs_reference": None if platform["reconciliation_rate"] is None
        else round(platform["reconciliation_rate"] - REFERENCE["rate"], 4),
        "by_section": _entries(_rollup(cube, lambda r: section(r[0]), now),
                               lambda k: SECTIONS.get(k, UNREGISTERED)),
        "by_industry": _entries(_rollup(cube, lambda r: r[0] or "", now), _industry_label),
        "by_region": _entries(_rollup(cube, lambda r: (r[1] + "00") if r[1] else "", now),
                              lambda k: CITIES.get(k, k or UNREGISTERED)),
        "by_category": _entries(_rollup(cube, lambda r: r[2] or "", now), lambda k: k or "未分类"),
        "by_month": months,
    }


STAT_COLUMNS = ("dimension", "key", "label", "received", "not_accepted", "accepted", "reconciled",
                "reconciliation_rate")


def statistics_rows(stats: Mapping) -> list[dict]:
    """The statistics as one long table: dimension, key, label and the counts."""
    rows = [{"dimension": "total", "key": "", "label": "全部", **stats["totals"]}]
    for dim in ("section", "industry", "region", "category", "month"):
        for e in stats[f"by_{dim}"]:
            rows.append({"dimension": dim, **{c: e[c] for c in STAT_COLUMNS[1:]}})
    return rows


# -- notification letters -----------------------------------------------------------------------

ATTENTION = 10  # businesses per attention list in a letter


def letters(cube: Sequence[CubeRow], enterprises: Sequence[Mapping], blacklisted: Sequence[Mapping],
            flags: Sequence[Mapping], units: MemberUnits, period: Period, min_complaints: int) -> list[dict]:
    """诉求信息通报函: one per member unit, with its sector's complaints, trends and the businesses
    needing attention. `enterprises` are `enterprise_disclosure` entries; `blacklisted` the black
    list's complaint_blacklist entries; `flags` risk flags with uscc, business_name, industry_code,
    region_code, scanned_on, complaints, terms."""
    unit_of: dict[str, str] = {}

    def uid(code: str | None) -> str:
        code = code or ""
        if code not in unit_of:
            unit_of[code] = units.unit_for(code).id
        return unit_of[code]

    by_unit: dict[str, list[CubeRow]] = defaultdict(list)
    for row in cube:
        by_unit[uid(row[0])].append(row)
    ents, black, flagged = defaultdict(list), defaultdict(list), defaultdict(list)
    for e in enterprises:
        ents[uid(e["industry_code"])].append(e)
    for b in blacklisted:
        black[uid(b["industry_code"])].append(b)
    for f in flags:
        flagged[uid(f["industry_code"])].append(f)
    out = []
    for unit in units.all():
        stats = statistics(by_unit.get(unit.id, []), period)
        mine = ents.get(unit.id, [])
        rated = [e for e in mine if e["reconciliation_rate"] is not None]
        months = stats["by_month"]
        complete = months[-2] if len(months) > 1 else None  # the last complete month
        trend = {
            "period_received": stats["totals"]["received"], "previous_received": stats["previous_totals"]["received"],
            "change": stats["change"],
            "last_month": months[-1]["key"], "last_month_received": months[-1]["received"],
            "last_month_previous_year": months[-1]["previous_year_received"],
            "last_month_change_year_on_year": change(months[-1]["received"], months[-1]["previous_year_received"]),
            "previous_month": complete["key"] if complete else None,
            "previous_month_received": complete["received"] if complete else None,
            "month_on_month": change(months[-1]["received"], complete["received"]) if complete else None,
        }
        out.append({
            "unit": {"id": unit.id, "name_zh": unit.name_zh, "name_en": unit.name_en,
                     "industries": list(unit.industries) or ["*"]},
            "as_of": period.as_of.isoformat(), "period": period.as_json(), "min_complaints": min_complaints,
            "totals": stats["totals"], "previous_totals": stats["previous_totals"], "trend": trend,
            "by_month": months, "by_industry": stats["by_industry"], "by_category": stats["by_category"][:8],
            "by_region": stats["by_region"],
            "attention": {
                "most_complaints": [_brief(e) for e in mine[:ATTENTION]],
                "lowest_rates": [_brief(e) for e in sorted(rated, key=lambda e: (e["reconciliation_rate"],
                                                                                  -e["received"], e["uscc"]))[:ATTENTION]],
                "blacklisted": [{k: b[k] for k in ("uscc", "business_name", "region_code", "industry_code",
                                                    "listed_on", "reason_zh")}
                                for b in sorted(black.get(unit.id, []), key=lambda b: (b["listed_on"], b["uscc"]),
                                                reverse=True)],
                "risk_flagged": sorted(flagged.get(unit.id, []), key=lambda f: (-f["complaints"], f["uscc"])),
            },
        })
    return out


def _brief(e: Mapping) -> dict:
    return {k: e[k] for k in ("uscc", "business_name", "region_code", "industry_code", "received", "accepted",
                              "reconciled", "reconciliation_rate")}


# -- serialisation (bytes, deterministic) -------------------------------------------------------

def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "count" in value[0]:
            return "；".join(f"{v['category']}({v['count']})" for v in value)
        if value and isinstance(value[0], dict) and "text" in value[0]:
            return " | ".join(f"{v['received_on']} {v['category']}：{v['text']}" for v in value)
        return "；".join(map(str, value))
    return str(value)


def csv_bytes(rows: Iterable[Mapping], columns: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), LF line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# -- README of fields ---------------------------------------------------------------------------

FIELDS: dict[str, str] = {
    "number": "证书编号（ASCII） / certificate number, ASCII form (HB-FX-2026-420000-000001)",
    "number_zh": "证书编号（中文） / certificate number, Chinese form (鄂放心〔2026〕第420000-000001号)",
    "programme": "项目：model_unit 放心消费创建示范单位，seven_day_return 七日无理由退货承诺示范店 / programme id",
    "programme_zh": "项目名称 / programme title in Chinese",
    "business_name": "经营者名称 / business name",
    "uscc": "统一社会信用代码 / unified social credit code",
    "region_code": "行政区划代码（GB/T 2260） / region code",
    "industry_code": "行业代码（GB/T 4754） / industry code",
    "valid_from": "有效期起 / valid from", "valid_until": "有效期至 / valid until",
    "status": "截至公示日的状态：valid 有效，suspended 暂停，expired 已到期 / status on the as-of date",
    "status_zh": "状态（中文） / status in Chinese",
    "entry": "类型：complaint_blacklist 投诉黑名单，revoked_certificate 撤销称号 / entry type",
    "entry_zh": "类型（中文） / entry type in Chinese",
    "listed_on": "列入日期或撤销日期 / date listed or revoked",
    "reason_code": "原因代码 / reason code", "reason_zh": "原因 / reason (Chinese)", "reason_en": "reason (English)",
    "note": "说明（已脱敏） / note (personal data masked)",
    "certificate_number": "被撤销证书编号 / revoked certificate number",
    "certificate_number_zh": "被撤销证书编号（中文） / revoked certificate number, Chinese form",
    "received": "收到投诉件数（不含咨询、举报） / complaints received (consultations and reports excluded)",
    "not_accepted": "不予受理件数 / complaints not accepted",
    "accepted": "受理件数 = received − not_accepted / complaints accepted",
    "reconciled": "和解件数 / complaints reconciled",
    "open": "尚未办结件数 / complaints still open",
    "reconciliation_rate": "和解率 = reconciled / accepted（小数，空表示无受理投诉） / reconciliation rate as a fraction",
    "top_categories": "主要投诉类别（前三，件数） / top 3 categories with counts",
    "samples": "典型投诉摘要（个人信息已脱敏） / sample complaint texts, personal data masked",
    "dimension": "统计维度：total, section 行业门类, industry 行业代码, region 市州, category 类别, month 月份 / dimension",
    "key": "维度取值 / key within the dimension", "label": "名称 / label",
}
FILES: dict[str, tuple[str, str, Sequence[str]]] = {
    "red_list": ("红名单", "red list: certified model units and seven-day-return stores", RED_COLUMNS),
    "black_list": ("黑名单", "black list: complaint black list and revoked titles", BLACK_COLUMNS),
    "complaint_disclosure": ("投诉信息公示", "complaint information per enterprise", DISCLOSURE_COLUMNS),
    "industry_statistics": ("行业投诉统计", "complaint statistics by industry, region, category, month", STAT_COLUMNS),
}


def readme(as_of: dt.date, period: Period, min_complaints: int, units: MemberUnits) -> str:
    lines = [
        f"# 消费投诉信息公示 / Consumer complaint disclosures — {as_of.isoformat()}", "",
        f"统计期 / period: {period.start} – {period.end}（对比期 / compared with {period.previous_start} – "
        f"{period.previous_end}）。投诉指类型为 complaint 的记录，不含咨询和举报；和解率 = 和解件数 /（收到件数 − 不予受理件数）。"
        f"参考值 92.78%（31,844 / 34,321，{REFERENCE['source_zh']}）。",
        "Complaints are records of kind `complaint` (consultations and reports excluded); reconciliation rate = "
        "reconciled / (received − not accepted); reference 92.78 % (31,844 / 34,321, Hubei 315 platform).",
        "",
        "个人信息已脱敏：手机号、固定电话、身份证号、电子邮箱、长数字、“某先生/女士”前的姓名，法定代表人姓名不予公示。",
        "Personal data is masked: phone numbers, ID numbers, e-mail addresses, long numbers, names before 先生/女士; "
        "legal representatives are never published.", "",
        "## 文件 / Files", "",
    ]
    for stem, (zh, en, _) in FILES.items():
        lines.append(f"- `{stem}.pdf`, `{stem}.csv`, `{stem}.json` — {zh} / {en}")
    lines += [
        f"- `complaint_disclosure.*`: 统计期内投诉 ≥ {min_complaints} 件的经营者（PDF 仅列前若干家，CSV/JSON 为全部） / "
        f"enterprises with at least {min_complaints} complaints in the period (the PDF shows the top ones only)",
        "- `letters/<unit>.pdf`, `letters/<unit>.json` — 诉求信息通报函，每个消费维权联席会议成员单位一份 / "
        "notification letter per member unit of the joint meeting",
        "", "CSV 为 UTF-8（带 BOM）；JSON 为 {\"as_of\", \"period\", \"count\", \"items\"}。"
        " / CSV is UTF-8 with a BOM; JSON is {\"as_of\", \"period\", \"count\", \"items\"}.", "",
        "## 字段 / Fields", "",
    ]
    for stem, (zh, _, columns) in FILES.items():
        lines.append(f"### {stem} ({zh})")
        lines.append("")
        lines += [f"- `{c}`: {FIELDS[c]}" for c in columns]
        lines.append("")
    lines += ["## 成员单位 / Member units", "", f"映射文件 / mapping: `{Path(units.path).name}`", ""]
    for u in units.all():
        lines.append(f"- `{u.id}` {u.name_zh} / {u.name_en}: {', '.join(u.industries) or '其他行业 / all other industries'}")
    return "\n".join(lines) + "\n"
