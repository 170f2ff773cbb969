"""Numbering, serials and lint: every problem named by field before anything is signed."""

from __future__ import annotations

from datetime import date

import pytest

from certificates.data import CertificateNumber, NumberError, lint_problems, new_serial, serial_bits


def test_a_number_reads_the_same_in_its_chinese_and_ascii_forms():
    n = CertificateNumber("model_unit", 2026, "420100", 123)
    assert n.text == "鄂放心〔2026〕第420100-000123号"
    assert n.ascii == "HB-FX-2026-420100-000123"
    assert CertificateNumber.parse(n.text) == CertificateNumber.parse(n.ascii) == n


def test_the_seven_day_return_programme_has_its_own_marker():
    n = CertificateNumber("seven_day_return", 2026, "420100", 7)
    assert (n.text, n.ascii) == ("鄂七日〔2026〕第420100-000007号", "HB-QR-2026-420100-000007")


@pytest.mark.parametrize(
    "bad",
    [
        "HB-FX-2026-420100-12",
        "HB-XX-2026-420100-000001",
        "鄂放心〔2026〕420100-000123",
        "GD-FX-2026-420100-000001",
        "湘放心〔2026〕第420100-000123号",
    ],
)
def test_a_malformed_or_inconsistent_number_is_refused(bad):
    with pytest.raises(NumberError):
        CertificateNumber.parse(bad)


def test_serials_carry_at_least_128_random_bits_and_are_url_safe():
    serials = {new_serial() for _ in range(100)}
    assert len(serials) == 100
    assert all(
        serial_bits(s) >= 128 and set(s) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for s in serials
    )


def test_good_data_passes_lint(make_data):
    assert lint_problems(make_data()) == []


def test_lint_collects_every_problem_with_its_field(make_data):
    data = make_data(
        uscc="91420103MA4KXX1250",
        valid_until=date(2026, 6, 1),
        serial="c2hvcnQ",
        business_name=" ",
        verification_url="http://x/verify/OTHER",
    )
    fields = {p.field for p in lint_problems(data)}
    assert fields == {"uscc", "valid_until", "serial", "business_name", "verification_url"}
    uscc = next(p for p in lint_problems(data) if p.field == "uscc")
    assert "position 18" in uscc.rule


def test_a_seven_day_return_store_must_promise_at_least_seven_days(make_data):
    problems = lint_problems(make_data(programme="seven_day_return", return_days=6))
    assert [(p.field, p.value) for p in problems] == [("return_days", 6)]


def test_the_number_year_must_match_the_issue_date(make_data):
    problems = lint_problems(make_data(issued_on=date(2025, 12, 1), valid_from=date(2025, 12, 1)))
    assert [p.field for p in problems] == ["number"]
