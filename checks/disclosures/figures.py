"""Figures of the disclosures: the period, complaint counts and rates, GB/T 4754 sections and
Hubei's cities, and complaint text fit to publish.

Definitions (docs/domain.md, Complaints): a complaint is a row of kind `complaint`
(consultations and reports are not complaints); `received` counts every complaint,
`not_accepted` those not accepted, and the reconciliation rate is
`reconciled / (received - not_accepted)`. The reference is the Hubei 315 platform's
31,844 / 34,321 = 92.78 %.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from checks.risk.masking import mask_personal_data

REFERENCE = {
    "reconciled": 31_844,
    "received": 34_321,
    "rate": round(31_844 / 34_321, 4),
    "source_zh": "湖北省315消费者权益保护平台 2023年1-10月",
    "source_en": "Hubei 315 platform, 1-10/2023",
}

# GB/T 4754-2017 sections (门类).
SECTIONS: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}
# Hubei's prefecture-level divisions (GB/T 2260); a region's city is its first 4 digits + "00".
CITIES: dict[str, str] = {
    "420100": "武汉市",
    "420200": "黄石市",
    "420300": "十堰市",
    "420500": "宜昌市",
    "420600": "襄阳市",
    "420700": "鄂州市",
    "420800": "荆门市",
    "420900": "孝感市",
    "421000": "荆州市",
    "421100": "黄冈市",
    "421200": "咸宁市",
    "421300": "随州市",
    "422800": "恩施土家族苗族自治州",
    "429000": "省直辖县级行政区划",
}
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
        return [
            f"{y:04d}-{m:02d}"
            for y, m in (_add_months(self.as_of.year, self.as_of.month, -k) for k in range(11, -1, -1))
        ]

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

    @property
    def partial(self) -> bool:
        """The last month has not ended on `as_of`: its count is of some days only, never compared
        with a whole month."""
        return (self.as_of + dt.timedelta(days=1)).month == self.as_of.month

    @property
    def complete_months(self) -> list[str]:
        """The months that ended by `as_of` (all 12, or 11 when the last is partial)."""
        return self.months[:-1] if self.partial else self.months

    def month_label(self, month: str) -> str:
        """'2026-07', or '2026-07（1–9日）' for the partial last month."""
        return f"{month}（1–{self.as_of.day}日）" if self.partial and month == self.months[-1] else month

    def as_json(self) -> dict:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "previous_from": self.previous_start.isoformat(),
            "previous_to": self.previous_end.isoformat(),
            "partial_month": self.month_label(self.months[-1]) if self.partial else None,
        }


# -- counts and rates ---------------------------------------------------------------------------


def rate(reconciled: int, received: int, not_accepted: int) -> float | None:
    """reconciled / (received - not_accepted), or None when nothing was accepted."""
    accepted = received - not_accepted
    return round(reconciled / accepted, 4) if accepted > 0 else None


def counts(received: int = 0, not_accepted: int = 0, reconciled: int = 0) -> dict:
    return {
        "received": received,
        "not_accepted": not_accepted,
        "accepted": received - not_accepted,
        "reconciled": reconciled,
        "reconciliation_rate": rate(reconciled, received, not_accepted),
    }


def add_counts(total: list[int], row: Sequence[int]) -> None:
    for i, v in enumerate(row):
        total[i] += int(v or 0)


def section(industry_code: str | None) -> str:
    return (industry_code or "")[:1] if (industry_code or "")[:1] in SECTIONS else ""


def city(region_code: str | None) -> str:
    return region_code[:4] + "00" if region_code and len(region_code) >= 4 else ""


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def change(now: int, before: int) -> float | None:
    """(now − before) / before; None when either period is empty: a change from nothing is not a
    number, and one to nothing reads as -100 % where the period simply had no complaint."""
    return round((now - before) / before, 4) if before and now else None


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
