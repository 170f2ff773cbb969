"""The one clock: today's date in China, whatever the machine's time zone."""

import datetime as dt

from checks import calendar

# 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai (UTC+8).
MOMENT = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)


class FrozenDatetime(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return MOMENT.astimezone(tz) if tz else MOMENT.replace(tzinfo=None)


def test_a_moment_still_yesterday_in_utc_is_already_today_in_shanghai(monkeypatch):
    monkeypatch.setattr(calendar.dt, "datetime", FrozenDatetime)
    assert dt.datetime.now(dt.UTC).date() == dt.date(2026, 3, 1)
    assert calendar.today() == dt.date(2026, 3, 2)
