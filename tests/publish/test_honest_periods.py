"""Honest periods in the statistics and the member-unit letters: the month that has barely begun
is labelled with its days and compared with nothing, a month without data is a gap (None), never
0 or 0 %, counts get whole-number axes, a unit with nothing to report gets one paragraph, and the
bureau does not write a letter to itself. The PDFs are rendered and read back."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from checks.disclosures.figures import Period
from checks.disclosures.members import load_member_units
from checks.disclosures.statistics import letters, statistics, trend
from documents.charts import count_axis, runs
from documents.disclosures import render_statistics
from documents.member_letters import render_letter
from documents.official import Official

AUTHORITY = "湖北省市场监督管理局"
AS_OF = dt.date(2026, 7, 9)
# records from 2026-01: nothing is known of 2025; July has 9 days of data and no complaint yet
CUBE = [
    ("F5211", "4201", "质量", "2026-01", 8, 1, 6),
    ("F5211", "4201", "质量", "2026-05", 6, 0, 5),
    ("F5211", "4201", "售后", "2026-06", 12, 2, 9),
    ("H6210", "4205", "价格", "2026-06", 3, 0, 3),
]


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in reader.pages), len(reader.pages)


def test_a_period_ending_mid_month_labels_that_month_with_its_days():
    period = Period(AS_OF)
    assert period.partial and period.month_label("2026-07") == "2026-07（1–9日）"
    assert period.complete_months[-1] == "2026-06" and period.month_label("2026-06") == "2026-06"
    assert not Period(dt.date(2026, 6, 30)).partial and Period(dt.date(2026, 6, 30)).as_json()["partial_month"] is None


def test_months_before_the_records_begin_have_no_figures_and_the_previous_year_is_not_compared():
    stats = statistics(CUBE, Period(AS_OF))
    by_key = {m["key"]: m for m in stats["by_month"]}
    assert by_key["2025-12"]["received"] is None and by_key["2025-12"]["reconciliation_rate"] is None
    assert by_key["2026-02"]["received"] == 0 and by_key["2026-02"]["reconciliation_rate"] is None
    assert all(m["previous_year_received"] is None for m in stats["by_month"])
    assert stats["previous_covered"] is False and stats["change"] is None
    assert by_key["2026-07"]["label"] == "2026-07（1–9日）" and by_key["2026-07"]["partial"]


def test_the_trend_compares_the_last_complete_month_and_never_an_empty_one():
    t = trend(statistics(CUBE, Period(AS_OF))["by_month"])
    assert (t["last_month"], t["last_month_received"]) == ("2026-06", 15)
    assert (t["previous_month"], t["month_on_month"]) == ("2026-05", 1.5)
    assert t["last_month_change_year_on_year"] is None  # 2025-06 has no data
    assert (t["partial_month"], t["partial_month_received"]) == ("2026-07（1–9日）", 0)


@pytest.mark.parametrize(
    "top, axis",
    [(0, (1.0, 1.0)), (1, (2.0, 1.0)), (3, (4.0, 1.0)), (9, (10.0, 2.0)), (40, (50.0, 10.0)), (1234, (1500.0, 500.0))],
    ids=["nothing", "one", "three", "nine", "forty", "over a thousand"],
)
def test_a_count_axis_ticks_whole_numbers(top, axis):
    assert count_axis(top) == axis
    assert axis[1] == int(axis[1]) and axis[0] % axis[1] == 0


def test_a_line_is_split_where_a_month_has_no_data():
    assert runs([None, 1, 2, None, 3]) == [[None, 1, 2, None, None], [None, None, None, None, 3]]
    assert runs([None, None]) == []


def test_the_letters_read_honestly():
    units = load_member_units()
    out = {u["unit"]["id"]: u for u in letters(CUBE, [], [], [], units, Period(AS_OF), 10)}
    to = {u.id: u.addressee for u in units.all()}
    form = Official(AUTHORITY, "鄂市监消〔2026〕3号", AS_OF)
    commerce = pdf_text(render_letter(out["commerce"], form, to["commerce"]))[0].replace("\n", "")
    assert (
        "最近一个完整月份 2026年6月 收到 15 件" in commerce
        and "2026年7月（1–9日）收到 0 件（未满一月，不作比较）" in commerce
    )
    assert "-100.0%" not in commerce and "上年同期数据不全" in commerce
    assert "湖北省商务厅：" in commerce
    # a unit with nothing to report: one page, one paragraph
    assert out["sports"]["nothing_to_report"]
    sports, pages = pdf_text(render_letter(out["sports"], form, to["sports"]))
    assert pages == 1 and "未收到消费投诉" in sports and "（无）" not in sports
    # the bureau does not write to itself
    own, _ = pdf_text(render_letter(out["market_regulation"], form, to["market_regulation"]))
    assert "市场监督管理局：" not in own and "本机关" in own


def test_the_statistics_label_the_partial_month_and_show_missing_months_as_no_data():
    text, _ = pdf_text(render_statistics(statistics(CUBE, Period(AS_OF))))
    text = text.replace("\n", "")
    assert "2026年7月（1–9日）未满一月" in text
    assert "上年同期数据不全" in text and "-100.0%" not in text and "尚无投诉记录数据" in text


def test_a_line_with_a_single_month_of_data_between_gaps_is_drawn_as_a_dot():
    from reportlab.graphics import renderPDF
    from reportlab.lib import colors

    from documents.charts import line_chart

    chart = line_chart(
        "单月数据", ["2026-01", "2026-02", "2026-03"], [("本期", [None, 4.0, None], colors.HexColor("#1d4f91"))], 400
    )
    assert renderPDF.drawToString(chart).startswith(b"%PDF")
