"""Industry complaint statistics (行业投诉统计) and the notification letters (诉求信息通报函) built
from the same complaint cube."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from checks.disclosures.figures import (
    CITIES,
    REFERENCE,
    SECTIONS,
    UNREGISTERED,
    Period,
    add_counts,
    change,
    counts,
    section,
)
from checks.disclosures.members import MemberUnit, MemberUnits

CubeRow = tuple  # (industry_code, region4, category, "YYYY-MM", received, not_accepted, reconciled)


def _rollup(cube: Iterable[CubeRow], key, months: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in cube:
        if row[3] in months:
            add_counts(out[key(row)], row[4:7])
    return out


def _entries(totals: Mapping[str, list[int]], labels, order: str = "received") -> list[dict]:
    rows = [{"key": k, "label": labels(k), **counts(*v)} for k, v in totals.items()]
    if order == "key":
        return sorted(rows, key=lambda e: e["key"])
    return sorted(rows, key=lambda e: (-e["received"], e["key"]))


def _industry_label(code: str) -> str:
    return SECTIONS.get(section(code), UNREGISTERED) if code else UNREGISTERED


def data_from(cube: Iterable[CubeRow]) -> str | None:
    """The first month of the complaint records ('YYYY-MM'): months before it have no data, which
    is not the same as no complaints."""
    return min((row[3] for row in cube), default=None)


def statistics(cube: Sequence[CubeRow], period: Period, first_month: str | None = None) -> dict:
    """Industry complaint statistics (行业投诉统计) for the period, with the previous period beside it.
    A month before `first_month` (default: the cube's first) has no data: its counts are None, a
    gap in a chart, never 0; the partial last month is labelled with its days."""
    first_month = first_month or data_from(cube) or period.months[-1]
    now, before = set(period.months), set(period.previous_months)
    total, prev = [0, 0, 0], [0, 0, 0]
    for row in cube:
        if row[3] in now:
            add_counts(total, row[4:7])
        elif row[3] in before:
            add_counts(prev, row[4:7])
    by_month = _rollup(cube, lambda r: r[3], now | before)
    months = []
    for m, p in zip(period.months, period.previous_months):
        figures = counts(*by_month.get(m, [0, 0, 0])) if m >= first_month else dict.fromkeys(counts(), None)
        months.append(
            {
                "key": m,
                "label": period.month_label(m),
                "partial": period.partial and m == period.months[-1],
                **figures,
                "previous_year_received": by_month.get(p, [0, 0, 0])[0] if p >= first_month else None,
            }
        )
    platform = counts(*total)
    previous_covered = period.previous_months[0] >= first_month
    return {
        "period": period.as_json(),
        "totals": platform,
        "previous_totals": counts(*prev),
        "previous_covered": previous_covered,
        "change": change(total[0], prev[0]) if previous_covered else None,
        "reference": REFERENCE,
        "rate_vs_reference": None
        if platform["reconciliation_rate"] is None
        else round(platform["reconciliation_rate"] - REFERENCE["rate"], 4),
        "by_section": _entries(_rollup(cube, lambda r: section(r[0]), now), lambda k: SECTIONS.get(k, UNREGISTERED)),
        "by_industry": _entries(_rollup(cube, lambda r: r[0] or "", now), _industry_label),
        "by_region": _entries(
            _rollup(cube, lambda r: (r[1] + "00") if r[1] else "", now), lambda k: CITIES.get(k, k or UNREGISTERED)
        ),
        "by_category": _entries(_rollup(cube, lambda r: r[2] or "", now), lambda k: k or "未分类"),
        "by_month": months,
    }


STAT_COLUMNS = (
    "dimension",
    "key",
    "label",
    "received",
    "not_accepted",
    "accepted",
    "reconciled",
    "reconciliation_rate",
)


def statistics_rows(stats: Mapping) -> list[dict]:
    """The statistics as one long table: dimension, key, label and the counts."""
    rows = [{"dimension": "total", "key": "", "label": "全部", **stats["totals"]}]
    for dim in ("section", "industry", "region", "category", "month"):
        for e in stats[f"by_{dim}"]:
            rows.append({"dimension": dim, **{c: e[c] for c in STAT_COLUMNS[1:]}})
    return rows


ATTENTION = 10  # businesses per attention list in a letter


def letters(
    cube: Sequence[CubeRow],
    enterprises: Sequence[Mapping],
    blacklisted: Sequence[Mapping],
    flags: Sequence[Mapping],
    units: MemberUnits,
    period: Period,
    min_complaints: int,
) -> list[dict]:
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
    first = data_from(cube)  # the records' start, for every unit alike
    return [
        _letter(
            unit,
            statistics(by_unit.get(unit.id, []), period, first),
            ents.get(unit.id, []),
            black.get(unit.id, []),
            flagged.get(unit.id, []),
            period,
            min_complaints,
        )
        for unit in units.all()
    ]


def trend(months: Sequence[Mapping]) -> dict:
    """The last complete month against the same month a year earlier and the month before; the
    partial month (if any) only with its days and its count, compared with nothing. A comparison
    with a month without data or without complaints is None, never -100 %."""
    complete = [m for m in months if not m["partial"]]
    last = complete[-1] if complete else None
    before = complete[-2] if len(complete) > 1 else None
    partial = months[-1] if months and months[-1]["partial"] else None

    def chg(now: int | None, then: int | None) -> float | None:
        return change(now, then) if now is not None and then is not None else None

    return {
        "last_month": last["key"] if last else None,
        "last_month_received": last["received"] if last else None,
        "last_month_previous_year": last["previous_year_received"] if last else None,
        "last_month_change_year_on_year": chg(last["received"], last["previous_year_received"]) if last else None,
        "previous_month": before["key"] if before else None,
        "previous_month_received": before["received"] if before else None,
        "month_on_month": chg(last["received"], before["received"]) if last and before else None,
        "partial_month": partial["label"] if partial else None,
        "partial_month_received": partial["received"] if partial else None,
    }


def _letter(
    unit: MemberUnit,
    stats: Mapping,
    mine: Sequence[Mapping],
    black: Sequence[Mapping],
    flags: Sequence[Mapping],
    period: Period,
    min_complaints: int,
) -> dict:
    rated = [e for e in mine if e["reconciliation_rate"] is not None]
    blacklisted = sorted(black, key=lambda b: (b["listed_on"], b["uscc"]), reverse=True)
    attention = {
        "most_complaints": [_brief(e) for e in mine[:ATTENTION]],
        "lowest_rates": [
            _brief(e)
            for e in sorted(rated, key=lambda e: (e["reconciliation_rate"], -e["received"], e["uscc"]))[:ATTENTION]
        ],
        "blacklisted": [
            {k: b[k] for k in ("uscc", "business_name", "region_code", "industry_code", "listed_on", "reason_zh")}
            for b in blacklisted
        ],
        "risk_flagged": sorted(flags, key=lambda f: (-f["complaints"], f["uscc"])),
    }
    return {
        "unit": {
            "id": unit.id,
            "name_zh": unit.name_zh,
            "name_en": unit.name_en,
            "industries": list(unit.industries) or ["*"],
        },
        "as_of": period.as_of.isoformat(),
        "period": period.as_json(),
        "min_complaints": min_complaints,
        "totals": stats["totals"],
        "previous_totals": stats["previous_totals"],
        "previous_covered": stats["previous_covered"],
        "trend": {
            "period_received": stats["totals"]["received"],
            "previous_received": stats["previous_totals"]["received"],
            "change": stats["change"],
            **trend(stats["by_month"]),
        },
        "nothing_to_report": stats["totals"]["received"] == 0
        and stats["previous_totals"]["received"] == 0
        and not any(attention.values()),
        "by_month": stats["by_month"],
        "by_industry": stats["by_industry"],
        "by_category": stats["by_category"][:8],
        "by_region": stats["by_region"],
        "attention": attention,
    }


def _brief(e: Mapping) -> dict:
    return {
        k: e[k]
        for k in (
            "uscc",
            "business_name",
            "region_code",
            "industry_code",
            "received",
            "accepted",
            "reconciled",
            "reconciliation_rate",
        )
    }
