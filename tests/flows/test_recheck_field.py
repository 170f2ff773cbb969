"""Mystery shopping in the recheck (issue 16): an ingested refused return within the committed
period suspends a certified seven-day-return store, and its notice cites the visit (date,
scenario), never the shopper's code. Real Prefect engine, real registry, real PDFs."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from registry.db import begin_write, open_registry
from registry.settings import get_settings
from registry.workflow_models import Application
from tests.support.certificates import ready_for_manual_issuance

pytestmark = pytest.mark.usefixtures("prefect_harness")
ISSUED_ON = "2026-07-10"
NAME = "武汉放心超市有限公司"
COMMITTED = {"return_days": 7, "return_scope": "店内全部商品（食品、定制商品除外）", "displayed": True}


def _seven_day_certificate(cli, uscc, tmp_path) -> str:
    assert cli("keys", "init").code == 0
    data = tmp_path / "certificate.json"
    data.write_text(
        json.dumps(
            {
                "programme": "seven_day_return",
                "number": "HB-QR-2026-420000-000001",
                "business_name": NAME,
                "store_name": NAME,
                "return_days": 7,
                "uscc": uscc,
                "address": "武汉市江岸区中山大道1号",
                "issued_on": ISSUED_ON,
                "valid_from": ISSUED_ON,
                "valid_until": "2028-07-09",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    ready_for_manual_issuance(uscc, NAME, programme="seven_day_return")
    with begin_write(open_registry(get_settings().db_url)) as session:
        session.execute(update(Application).where(Application.uscc == uscc).values(commitments=COMMITTED))
    made = cli("certificate", "make", data, "--out", tmp_path / "made", "--json", "--as", "admin")
    assert made.code == 0, made.err
    return made.json()["number"]


def _shop(uscc: str, shop_id: str, on: str, within: bool) -> dict:
    return {
        "shop_id": shop_id,
        "uscc": uscc,
        "visited_on": on,
        "shopper": "V0427",
        "scenario": "return_request",
        "outcome": "refused",
        "within_commitment": within,
        "note": "购买第3天持小票要求退货，店员以促销商品为由拒绝",
    }


def _ingest(cli, tmp_path, name: str, rows: list[dict]) -> None:
    folder = tmp_path / name
    folder.mkdir()
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    (folder / "mystery_shops.jsonl").write_text(text, encoding="utf-8")
    result = cli("ingest", folder)
    assert result.code == 0, result.err


def _recheck(cli, on: str) -> dict:
    result = cli("recheck", "--as-of", on, "--json")
    assert result.code == 0, result.err
    return result.json()


def test_a_refused_return_within_the_commitment_suspends_the_store_and_its_notice_cites_the_visit(cli, shops, tmp_path):
    good = shops["good"]
    number = _seven_day_certificate(cli, good, tmp_path)
    _ingest(cli, tmp_path, "outside", [_shop(good, "AF-0001", "2026-07-20", within=False)])
    quiet = _recheck(cli, "2026-07-25")
    assert not [f for f in quiet["findings"] if f["action"] == "suspended"], quiet["findings"]
    assert "recheck.return_refused" not in quiet["checks"]

    _ingest(cli, tmp_path, "within", [_shop(good, "AF-0002", "2026-07-28", within=True)])
    result = _recheck(cli, "2026-08-01")
    [finding] = [f for f in result["findings"] if f["action"] == "suspended"]
    assert (finding["check_id"], finding["reason_code"]) == ("V9", "return_refused")  # the assessment's veto
    assert "2026年7月28日" in finding["reason_zh"] and "mystery_shop:AF-0002" in finding["evidence"]
    assert "2026-07-28" not in finding["reason_zh"] and "2026-07-28" in finding["reason_en"]  # ISO stays in English
    verified = cli("verify", number, "--today", "2026-08-01", "--json").json()
    assert verified["status"] == "suspended"
    notice = get_settings().outbox_path / good / f"{number}-suspended-2026-08-01.pdf"
    text = "".join(page.extract_text() for page in PdfReader(notice).pages)
    flat = "".join(text.split())
    assert "暗访" in flat and "2026年7月28日" in flat and "无理由退货" in flat  # the visit cited, in Chinese form
    assert "2026-07-28" not in flat
    assert "V0427" not in text and "V0427" not in json.dumps(result, ensure_ascii=False)
