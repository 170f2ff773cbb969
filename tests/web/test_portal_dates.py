"""The business portal writes dates as Chinese text does (2026年7月28日), never 2026-07-28: the `day`
filter, and every date the portal's templates print goes through it."""

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
        (None, ""),
    ],
    ids=["a date", "an ISO date", "a timestamp", "none"],
)
def test_the_day_filter_writes_a_chinese_date(value, shown):
    assert ENV.from_string("{{ v | day }}").render(v=value) == shown


def test_every_date_on_the_portal_pages_goes_through_the_day_filter():
    printed = re.compile(r"(?<!=\")\{\{\s*([\w.]*(?:_on|valid_from|valid_until|\.at)\b[^}|]*)\}\}")
    for template in sorted(TEMPLATES.glob("portal_*.html")):
        assert printed.findall(template.read_text(encoding="utf-8")) == [], template.name
