"""The pure side of the disclosures: periods, rates, masking, member-unit mappings, statistics."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.disclosures.figures import REFERENCE, SAMPLE_CHARS, Period, counts, mask_text, rate
from checks.disclosures.members import MemberUnitsError, load_member_units
from checks.disclosures.statistics import statistics


def test_the_period_is_twelve_calendar_months_to_the_date_and_the_same_span_a_year_before():
    p = Period(dt.date(2026, 11, 29))
    assert (p.start, p.end) == (dt.date(2025, 12, 1), dt.date(2026, 11, 29))
    assert (p.previous_start, p.previous_end) == (dt.date(2024, 12, 1), dt.date(2025, 11, 29))
    assert p.months[0] == "2025-12" and p.months[-1] == "2026-11" and len(p.months) == 12
    assert p.previous_months[-1] == "2025-11"
    assert Period(dt.date(2028, 2, 29)).previous_end == dt.date(2027, 2, 28)


def test_rates_exclude_not_accepted_and_the_reference_is_the_hubei_figure():
    assert rate(31_844, 34_321, 0) == 0.9278 == REFERENCE["rate"]
    assert rate(9, 12, 2) == 0.9 and rate(0, 3, 3) is None
    assert counts(12, 2, 9) == {
        "received": 12,
        "not_accepted": 2,
        "accepted": 10,
        "reconciled": 9,
        "reconciliation_rate": 0.9,
    }


def test_published_text_masks_phones_ids_mails_honorific_names_and_legal_representatives():
    text = (
        "张先生与法定代表人欧阳明辉交涉，电话 138-1234-5678、(027)87654321，"
        "身份证 420106 19900307 123X，邮箱 a.b@example.cn。" + "后续" * 100
    )
    masked = mask_text(text, ["欧阳明辉"])
    for item in ("张先生", "欧阳明辉", "138", "87654321", "123X", "a.b@example.cn"):
        assert item not in masked, item
    assert masked.startswith("*先生与法定代表人*交涉") and masked.endswith("…")
    assert len(masked) == SAMPLE_CHARS + 1


def test_member_units_match_the_longest_key_and_fall_back_to_the_default():
    units = load_member_units()
    assert units.unit_for("F5211").name_zh == "商务局"
    assert units.unit_for("R8930").name_zh == "体育局" and units.unit_for("R8710").name_zh == "文化和旅游局"
    assert units.unit_for("G5411").name_zh == "交通运输局" and units.unit_for("O8111").name_zh == "交通运输局"
    assert units.unit_for("Q8411").name_zh == "卫生健康委" and units.unit_for("P8391").name_zh == "教育局"
    assert units.unit_for("K7010").name_zh == "住房和城乡建设局" and units.unit_for("I6311").name_zh == "通信管理局"
    assert units.unit_for("M7310").name_zh == units.unit_for("").name_zh == "市场监督管理局"


@pytest.mark.parametrize(
    "body, where",
    [
        (
            "default: {id: amr, name_zh: 市场监督管理局, name_en: AMR}\nunits: [{id: a, name_zh: 甲, name_en: A, "
            "industries: [F52]}, {id: b, name_zh: 乙, name_en: B, industries: [F52]}]\n",
            "units[1].industries[0]",
        ),
        (
            "default: {id: amr, name_zh: 市场监督管理局, name_en: AMR}\nunits: [{id: a, name_zh: 甲, name_en: A, "
            "industries: [F52], extra: 1}]\n",
            "units[0].extra",
        ),
        ("default: {id: amr, name_zh: 市场监督管理局}\nunits: []\n", "default.name_en"),
        ("default: {id: amr, name_zh: 市场监督管理局, name_en: AMR}\nunit: []\n", "unit"),
        ("default: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_member_unit_file_names_the_file_and_the_key(tmp_path, body, where):
    path = tmp_path / "units.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(MemberUnitsError) as exc:
        load_member_units(path)
    assert str(path) in str(exc.value) and where in str(exc.value)


def test_statistics_roll_the_cube_up_by_every_dimension():
    period = Period(dt.date(2026, 6, 30))
    cube = [
        ("F5211", "4201", "质量", "2026-06", 10, 2, 7),
        ("H6210", "4205", "价格", "2026-01", 5, 0, 5),
        ("", "", "计量", "2025-08", 1, 0, 0),
        ("F5211", "4201", "质量", "2025-06", 4, 0, 4),
    ]
    stats = statistics(cube, period, first_month="2024-07")  # records from before the previous period
    assert stats["totals"]["received"] == 16 and stats["previous_totals"]["received"] == 4
    assert stats["change"] == 3.0
    assert [(e["key"], e["received"]) for e in stats["by_section"]] == [("F", 10), ("H", 5), ("", 1)]
    assert [(e["key"], e["label"]) for e in stats["by_region"]] == [
        ("420100", "武汉市"),
        ("420500", "宜昌市"),
        ("", "未登记"),
    ]
    june = stats["by_month"][-1]
    assert (june["key"], june["received"], june["previous_year_received"]) == ("2026-06", 10, 4)
    assert june["reconciliation_rate"] == 0.875
