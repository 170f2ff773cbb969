"""The reasons letter a rejected applicant receives, through the CLI: numbered from the registry's
sequence, each fault said once (a five-day return promise fails V7 and the return-promise item:
one fault), the 复核 body and time limit from the policy."""

import pytest
from pypdf import PdfReader

from registry.settings import get_settings
from tests.flows.conftest import AS_OF

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _apply(cli, uscc: str, return_days: int) -> dict:
    result = cli(
        "apply",
        "--uscc",
        uscc,
        "--program",
        "seven_day_return",
        "--store-name",
        "武汉放心超市汉口店",
        "--return-days",
        return_days,
        "--commitment",
        "displayed",
        "--as-of",
        AS_OF,
        "--json",
    )
    assert result.code == 0, result.err
    [app] = result.json()["applications"]
    return app


def _letter_text(uscc: str) -> str:
    [letter] = (get_settings().outbox_path / uscc).glob("rejection-*.pdf")
    return "".join("".join(page.extract_text() for page in PdfReader(letter).pages).split())


def test_a_short_return_promise_is_one_fault_in_a_numbered_letter_that_says_where_to_ask_for_reconsideration(
    cli, shops
):
    app = _apply(cli, shops["good"], 5)
    assert app["status"] == "rejected"
    shown = cli("applications", "show", app["id"], "--json").json()
    failed = {o["id"] for o in shown["assessment"]["outcomes"] if o["status"] in ("veto", "fail")}
    assert {"V7", "mechanisms.return_promise"} <= failed  # the assessment keeps both
    text = _letter_text(shops["good"])
    assert text.startswith("湖北省市场监督管理局鄂市监消〔2026〕1号")
    assert "七日无理由退货承诺否决承诺退货期5天" in text  # the veto, with its reason
    assert text.count("5天") == 1 and "无理由退货承诺未达标" not in text  # and not again as a scored item
    assert text.count("承诺不少于七日的线下无理由退货期限") == 1
    assert "15个工作日内向湖北省市场监督管理局书面申请复核" in text


def test_a_second_letter_takes_the_next_number(cli, shops):
    _apply(cli, shops["good"], 5)
    apply_abnormal = _apply(cli, shops["abnormal"], 15)
    assert apply_abnormal["status"] == "rejected"
    assert _letter_text(shops["abnormal"]).startswith("湖北省市场监督管理局鄂市监消〔2026〕2号")
