"""The web pages write dates as Chinese text does (2026年7月28日), never 2026-07-28: the `day` filter
(and `stamp`, to the minute), and every date a template prints — the portal's and the workbench's —
goes through one of them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from web.pages import ENV, TEMPLATES


@pytest.mark.parametrize(
    "value, shown",
    [
        (dt.date(2026, 7, 28), "2026年7月28日"),
        ("2026-07-01", "2026年7月1日"),
        ("2026-07-28T09:15:00+08:00", "2026年7月28日"),
        ("2026-07-28T17:30:00+00:00", "2026年7月29日"),  # stored in UTC: already the next day in China
        (None, ""),
    ],
    ids=["a date", "an ISO date", "a timestamp", "a UTC timestamp after 16:00", "none"],
)
def test_the_day_filter_writes_a_chinese_date(value, shown):
    assert ENV.from_string("{{ v | day }}").render(v=value) == shown


@pytest.mark.parametrize(
    "value, shown",
    [
        (dt.datetime(2026, 7, 28, 1, 5, 41), "2026年7月28日 09:05"),  # naive: UTC, as SQLite gives it back
        (dt.datetime(2026, 7, 28, 17, 30, tzinfo=dt.UTC), "2026年7月29日 01:30"),
        ("2026-07-28T16:30:00+08:00", "2026年7月28日 16:30"),
        ("2026-07-28T08:30:00", "2026年7月28日 16:30"),
        ("2026-07-28", "2026年7月28日"),
        (None, ""),
    ],
    ids=[
        "a naive datetime",
        "an aware one past midnight in China",
        "an ISO timestamp",
        "a naive one",
        "a date",
        "none",
    ],
)
def test_the_stamp_filter_writes_a_chinese_date_and_time(value, shown):
    assert ENV.from_string("{{ v | stamp }}").render(v=value) == shown


def test_every_date_on_the_web_pages_goes_through_the_day_or_stamp_filter():
    # a form field's value (value="…", min="…") keeps ISO, as the browser's date input wants it
    printed = re.compile(
        r"(?<!=\")\{\{\s*([\w.]*(?:_on|_at|_since|_until|valid_from|\.at|as_of)\b(?:\[[^]]*\])?[^}|]*(?:\|(?!\s*(?:day|stamp)\b)[^}]*)?)\}\}"
    )
    templates = sorted(TEMPLATES.glob("*.html"))
    assert len(templates) > 10
    for template in templates:
        assert printed.findall(template.read_text(encoding="utf-8")) == [], template.name
