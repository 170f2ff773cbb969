"""A small hand-made registry for the disclosure tests: businesses with known complaints, black-list
entries and certificates in every state, and the personal data that must never be published."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

AS_OF = "2026-06-30"
LEGAL_REP = "李建国"
SECRETS = (
    "13812345678",
    "027-87654321",
    "02787654321",
    "42010619900307123X",
    "4201061990030712",
    "zhang.san@example.com",
    "张先生",
    LEGAL_REP,
    "13912345678",
    "王女士",
)
PERSONAL_TEXT = (
    "消费者张先生反映购买的电饭煲漏电，联系电话13812345678，座机027-87654321，"
    "身份证42010619900307123X，邮箱zhang.san@example.com，法定代表人李建国拒绝退款。"
)


def uscc(n: int, region: str) -> str:
    from checks.uscc import make_uscc

    return make_uscc(region, f"MA{n:06d}")


BUSINESSES = {  # key: (n, region, industry, name)
    "A": (11, "420102", "F5211", "武汉放心百货有限公司"),
    "B": (12, "420106", "L7291", "武汉畅游旅行社有限公司"),
    "C": (13, "420502", "O8111", "宜昌快修汽车服务有限公司"),
    "D": (14, "420102", "F5212", "武汉撤销超市有限公司"),
    "E": (15, "420111", "F5211", "武汉诚信商场有限公司"),
    "F": (16, "420103", "H6210", "武汉好味酒楼有限公司"),
    "G": (17, "420104", "F5213", "武汉到期便利店有限公司"),
    "H": (18, "420105", "F5232", "武汉预留服饰有限公司"),
    "I": (19, "420106", "F5234", "武汉换证美妆有限公司"),
}


def _registrations() -> list[dict]:
    return [
        {
            "uscc": uscc(n, region),
            "name": name,
            "entity_type": "enterprise",
            "status": "active",
            "established_on": "2015-03-01",
            "region_code": region,
            "industry_code": industry,
            "address": "湖北省武汉市江岸区中山大道1号",
            "legal_representative": LEGAL_REP if k == "A" else "赵六",
            "contact_email": f"{k.lower()}@example.cn",
            "odr_enrolled_on": None,
        }
        for k, (n, region, industry, name) in BUSINESSES.items()
    ]


def _complaint(
    cid: str,
    who: str,
    received: str,
    status: str = "reconciled",
    kind: str = "complaint",
    category: str = "质量",
    text: str = "商品质量问题，要求退货退款。",
) -> dict:
    day = dt.date.fromisoformat(received)
    return {
        "complaint_id": cid,
        "uscc": who,
        "kind": kind,
        "channel": "12315",
        "received_on": received,
        "category": category,
        "status": status,
        "closed_on": None if status == "open" else (day + dt.timedelta(days=3)).isoformat(),
        "amount_yuan": 300.0,
        "recovered_yuan": 100.0 if status == "reconciled" else 0.0,
        "text": text,
    }


def _complaints() -> list[dict]:
    a, b, c, d = (uscc(*BUSINESSES[k][:2]) for k in "ABCD")
    unregistered = uscc(99, "420500")
    rows = []
    statuses_a = ["reconciled"] * 8 + ["not_accepted"] * 2 + ["open", "mediation_failed"]
    cats_a = ["质量"] * 6 + ["退货退款"] * 4 + ["价格"] * 2
    for i, (s, cat) in enumerate(zip(statuses_a, cats_a)):
        rows.append(_complaint(f"A{i:03d}", a, f"2025-{7 + i % 6:02d}-{10 + i:02d}", s, category=cat))
    rows.append(_complaint("A100", a, "2026-06-20", "reconciled", category="质量", text=PERSONAL_TEXT))
    rows.append(_complaint("A101", a, "2026-05-02", "reconciled", kind="consultation", text=PERSONAL_TEXT))
    rows.append(_complaint("A102", a, "2026-05-03", "open", kind="report"))
    for i in range(3):  # the previous period
        rows.append(_complaint(f"A2{i:02d}", a, f"2025-03-{10 + i:02d}", "reconciled"))
    rows.append(_complaint("A300", a, "2024-01-15", "reconciled"))  # before both periods
    for i in range(10):
        rows.append(
            _complaint(
                f"B{i:03d}",
                b,
                f"2026-0{1 + i % 5}-{5 + i:02d}",
                "reconciled" if i < 5 else "terminated",
                category="合同",
            )
        )
    for i in range(4):
        rows.append(
            _complaint(f"C{i:03d}", c, f"2026-02-{10 + i:02d}", "open" if i else "reconciled", category="服务态度")
        )
    rows.append(_complaint("D000", d, "2026-04-01", "not_accepted", category="价格"))
    rows.append(_complaint("X000", unregistered, "2026-03-03", "reconciled", category="计量"))
    rows.append(_complaint("A900", a, "2026-07-05", "reconciled"))  # after the as-of date
    return rows


def _listings() -> list[dict]:
    b, c = uscc(*BUSINESSES["B"][:2]), uscc(*BUSINESSES["C"][:2])
    return [
        {
            "uscc": b,
            "list": "complaint_blacklist",
            "listed_on": "2026-03-01",
            "removed_on": None,
            "reason": "投诉超过14天未处理",
        },
        {
            "uscc": c,
            "list": "complaint_blacklist",
            "listed_on": "2025-01-01",
            "removed_on": "2025-06-01",
            "reason": "投诉超过14天未处理",
        },
        {
            "uscc": c,
            "list": "complaint_blacklist",
            "listed_on": "2026-08-01",
            "removed_on": None,
            "reason": "投诉超过14天未处理",
        },
        {
            "uscc": c,
            "list": "abnormal_operations",
            "listed_on": "2026-01-01",
            "removed_on": None,
            "reason": "未按规定报送年度报告",
        },
    ]


def _write(folder: Path, name: str, rows: list[dict]) -> None:
    (folder / f"{name}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def _certificate(session, key: str, programme: str, seq: int, issued: str, until: str):
    from certificates.data import CertificateData, CertificateNumber, new_serial
    from registry.certificates import record_reservation

    n, region, _, name = BUSINESSES[key]
    number = CertificateNumber(programme, int(issued[:4]), "420000", seq).ascii
    data = CertificateData(
        programme=programme,
        number=number,
        serial=new_serial(),
        business_name=name,
        uscc=uscc(n, region),
        store_name=name if programme == "seven_day_return" else None,
        address="湖北省武汉市江岸区中山大道1号",
        return_days=15 if programme == "seven_day_return" else None,
        score=90.0,
        authority="湖北省市场监督管理局",
        issued_on=dt.date.fromisoformat(issued),
        valid_from=dt.date.fromisoformat(issued),
        valid_until=dt.date.fromisoformat(until),
        verification_url=f"http://127.0.0.1:8000/verify/{number}",
    )
    record_reservation(session, data, None)
    return number


@pytest.fixture
def disclosure_data(cli, tmp_path):
    """Ingest the records, then store certificates: E valid, F suspended, G expired, D revoked,
    H only reserved, I superseded. Returns the codes, certificate numbers and raw records."""
    from sqlalchemy import select

    from flows.common import registry
    from registry.certificates import DbStatusStore, mark_issued
    from registry.db import begin_write
    from registry.workflow_models import Certificate, CertificateStatusChange

    folder = tmp_path / "records"
    folder.mkdir()
    regs, complaints, listings = _registrations(), _complaints(), _listings()
    _write(folder, "registrations", regs)
    _write(folder, "complaints", complaints)
    _write(folder, "credit_listings", listings)
    result = cli("ingest", folder, "--json")
    assert result.code == 0, result.err
    numbers = {}
    with begin_write(registry()) as session:
        for key, prog, seq, issued, until in (
            ("E", "model_unit", 1, "2026-01-10", "2028-01-09"),
            ("F", "seven_day_return", 2, "2026-01-10", "2028-01-09"),
            ("G", "model_unit", 3, "2024-06-01", "2026-06-01"),
            ("D", "model_unit", 4, "2026-01-10", "2028-01-09"),
            ("H", "model_unit", 5, "2026-06-01", "2028-05-31"),
            ("I", "model_unit", 6, "2025-01-10", "2027-01-09"),
        ):
            numbers[key] = _certificate(session, key, prog, seq, issued, until)
            if key != "H":
                mark_issued(session, numbers[key], Path("x.pdf"), Path("x.vc.json"), b"%PDF")
        store = DbStatusStore(session, "tester")
        store.change(numbers["F"], "suspended", "complaint_spike", dt.date(2026, 6, 1))
        store.change(numbers["D"], "suspended", "severe_penalty", dt.date(2026, 5, 1))
        store.change(
            numbers["D"],
            "revoked",
            "severe_penalty",
            dt.date(2026, 5, 10),
            note="经核实受到停业整顿处罚，联系人王女士13912345678",
        )
        # superseded by a renewal (the recheck work adds the transition; stored here as the rows it writes)
        row = session.scalar(select(Certificate).where(Certificate.number == numbers["I"]))
        row.status = "superseded"
        session.add(
            CertificateStatusChange(
                certificate_id=row.id,
                status="superseded",
                reason_code="superseded",
                note="",
                actor="tester",
                on=dt.date(2026, 3, 1),
            )
        )
    zh = {}
    with registry()() as session:
        for key, number in numbers.items():
            zh[key] = session.scalar(select(Certificate.number_zh).where(Certificate.number == number))
    return {
        "usccs": {k: uscc(*v[:2]) for k, v in BUSINESSES.items()},
        "numbers": numbers,
        "numbers_zh": zh,
        "complaints": complaints,
        "listings": listings,
        "registrations": regs,
    }
