"""The clock and the calendar arithmetic the rules count in: months and years, clamped to month end."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """Today's date in China (UTC+8): the day every default date and validity check stands on."""
    return dt.datetime.now(CHINA).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months; the 31st becomes the last day of a shorter month."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    if day.day <= 28:  # every month has it: skip the calendar lookup
        return dt.date(year, month, day.day)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def full_years(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end` (0 when `end` is before the first anniversary)."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def zh_date(day: dt.date | str) -> str:
    """A date (or an ISO date, as the JSON payloads carry it) as Chinese text for a business or the
    public writes it: 2026年7月28日. JSON, CSV and logs keep ISO."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日"


def zh_month(month: str) -> str:
    """A month as the JSON payloads carry it (2026-06, or a label such as 2026-07（1–9日）) as
    Chinese text: 2026年6月, 2026年7月（1–9日）."""
    return f"{int(month[:4])}年{int(month[5:7])}月{month[7:]}"
