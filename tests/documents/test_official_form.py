"""Every letter and notice in the official form (GB/T 9704-2012 as far as it applies): the issuer's
masthead, the document number, a title naming issuer and subject, the addressee's full name, the
落款 with the authority and the date in Chinese form under a drawn seal, and a contact line;
reasons letters and notices say where and by when the decision may be contested."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from certificates.status import CertificateState
from checks.disclosures.figures import Period
from checks.disclosures.members import MemberUnitsError, load_member_units
from checks.disclosures.statistics import letters
from checks.policy import load_policy
from checks.uscc import make_uscc
from documents.letters import (
    AnnouncementList,
    Finding,
    RejectionLetter,
    StatusNotice,
    render_announcement,
    render_rejection_letter,
    render_status_notice,
)
from documents.member_letters import render_letter, writes_to_itself
from documents.official import Official
from registry.notices import redress

AUTHORITY = "湖北省市场监督管理局"
ON = dt.date(2026, 6, 30)
NUMBER = "鄂市监消〔2026〕17号"
CONTACT = "联系方式：地址：武汉市洪山区和平大道 1 号；电话：027-87111111"
FORM = Official(AUTHORITY, NUMBER, ON, CONTACT)
USCC = make_uscc("420102", "MA4K0001")
FINDINGS = (Finding("V3", "未列入经营异常名录", "veto", "列入经营异常名录（未按时年报）", "补报年度报告后申请移出。"),)


def text_of(pdf: bytes) -> str:
    """The document's text without whitespace (runs of Latin and CJK text come out apart)."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def rejection(program: str = "model_unit") -> bytes:
    return render_rejection_letter(
        RejectionLetter(
            7, "武汉江岸便民超市有限公司", USCC, program, ON, 62.5, 85, FINDINGS, FORM, redress(program, ON, AUTHORITY)
        )
    )


def notice(to: CertificateState) -> bytes:
    return render_status_notice(
        StatusNotice(
            "seven_day_return",
            "武汉汉正街服饰有限公司",
            USCC,
            "鄂七日〔2026〕第420100-000007号",
            to,
            ON,
            "列入经营异常名录",
            FORM,
            redress("seven_day_return", ON, AUTHORITY),
            FINDINGS,
        )
    )


def member_letter(unit: str, form: Official = FORM) -> bytes:
    units = load_member_units()
    [letter] = [
        x for x in letters([], [], [], [], units, Period(ON), 10) if x["unit"]["id"] == unit
    ]  # nothing to report: one page
    return render_letter(letter, form, {u.id: u.addressee for u in units.all()}[unit])


DOCUMENTS = {
    "reasons letter": (rejection, "关于放心消费创建示范单位申请审核结果的告知书", "武汉江岸便民超市有限公司"),
    "suspension": (
        lambda: notice(CertificateState.suspended),
        "关于暂停七日无理由退货承诺示范店证书的通知书",
        "武汉汉正街服饰有限公司",
    ),
    "revocation": (
        lambda: notice(CertificateState.revoked),
        "关于撤销七日无理由退货承诺示范店证书的决定书",
        "武汉汉正街服饰有限公司",
    ),
    "reinstatement": (
        lambda: notice(CertificateState.valid),
        "关于恢复七日无理由退货承诺示范店证书效力的通知书",
        "武汉汉正街服饰有限公司",
    ),
    "expiry": (
        lambda: notice(CertificateState.expired),
        "关于七日无理由退货承诺示范店证书有效期届满的通知",
        "武汉汉正街服饰有限公司",
    ),
    "member letter": (lambda: member_letter("commerce"), "关于通报消费者诉求信息的函", "湖北省商务厅"),
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_each_letter_carries_masthead_number_title_addressee_closing_and_contact(name):
    render, subject, addressee = DOCUMENTS[name]
    text = text_of(render())
    assert text.startswith(AUTHORITY + NUMBER + AUTHORITY + subject + addressee)  # masthead, 文号, title, 主送
    # 落款 and the date in Chinese form, the seal's own lettering, then the contact line
    closing = f"{AUTHORITY}2026年6月30日{AUTHORITY}（联系方式：地址：武汉市洪山区和平大道1号；电话：027-87111111）"
    assert text.endswith(closing)


def _red_rows(pdf: bytes) -> list[int]:
    """Rows (of 100, top to bottom) of the last page that hold seal-red pixels."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "doc.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "40",
                "-singlefile",
                "-f",
                str(len(PdfReader(io.BytesIO(pdf)).pages)),
                "doc.pdf",
                "page",
            ],
            cwd=folder,
            check=True,
        )
        image = Image.open(Path(folder) / "page.png").convert("RGB")
    w, h = image.size
    px = image.load()
    return sorted(
        {
            y * 100 // h
            for y in range(h)
            for x in range(w)
            if px[x, y][0] > 180 and px[x, y][1] < 140 and px[x, y][2] < 140
        }
    )


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_the_seal_is_drawn_over_the_closing(name):
    pdf = DOCUMENTS[name][0]()
    rows = _red_rows(pdf)
    assert rows[0] < 10  # the red masthead (one page)
    below = [r for r in rows if r > 20]
    assert len(below) >= 6, f"no seal below the masthead: red rows {rows}"  # a ring some 38 mm high


def test_a_reasons_letter_names_the_body_and_the_time_limit_of_a_reconsideration_from_the_policy():
    p = load_policy("model_unit").at(ON)
    days = p["lifecycle.reconsideration.working_days"]
    assert "assumption" in p.sources["lifecycle.reconsideration.working_days"]  # says it is ours
    assert "lifecycle.reconsideration.working_days" in p.unverified
    assert f"可自收到本告知书之日起{days}个工作日内向{AUTHORITY}书面申请复核" in text_of(rejection())


def test_a_suspension_names_the_reconsideration_and_a_revocation_the_statutory_limits():
    assert "个工作日内向湖北省市场监督管理局书面申请复核" in text_of(notice(CertificateState.suspended))
    revoked = text_of(notice(CertificateState.revoked))
    assert "60日内依法申请行政复议" in revoked and "6个月内依法向人民法院提起行政诉讼" in revoked
    assert "行政复议法" in load_policy("model_unit").at(ON).sources["lifecycle.administrative_review_days"]


def test_an_announcement_has_the_masthead_and_the_sealed_closing_but_no_number():
    pdf = render_announcement(AnnouncementList(3, "model_unit", ON, dt.date(2026, 7, 7), AUTHORITY))
    text = text_of(pdf)
    assert text.startswith(AUTHORITY + AUTHORITY + "关于放心消费创建示范单位拟认定名单的公示")
    assert "〔2026〕" not in text and text.endswith(f"{AUTHORITY}2026年6月30日{AUTHORITY}")
    assert len([r for r in _red_rows(pdf) if r > 20]) >= 6


def test_member_units_are_addressed_by_their_full_names_and_a_bureau_may_set_its_own():
    units = load_member_units()
    full = {u.id: u.addressee for u in units.all()}
    assert full["commerce"] == "湖北省商务厅" and full["culture_tourism"] == "湖北省文化和旅游厅"
    city = units.addressed({"commerce": "武汉市商务局"})
    assert {u.id: u.addressee for u in city.all()}["commerce"] == "武汉市商务局"
    with pytest.raises(MemberUnitsError, match="'trade' is not a member unit"):
        units.addressed({"trade": "武汉市商务局"})


def test_the_bureau_does_not_write_a_letter_to_itself():
    assert writes_to_itself("市场监督管理局", "湖北省市场监督管理局", AUTHORITY)
    assert not writes_to_itself("商务局", "湖北省商务厅", AUTHORITY)
    own = text_of(member_letter("market_regulation", Official(AUTHORITY, "", ON)))
    assert "湖北省市场监督管理局：" not in own and "〔2026〕" not in own and "本机关" in own


def test_a_long_title_breaks_after_the_issuer_never_inside_a_word():
    lines = [
        line.replace(" ", "")
        for line in PdfReader(io.BytesIO(rejection())).pages[0].extract_text().splitlines()
        if "告知书" in line or "关于" in line
    ]
    assert lines[0].startswith("关于") and lines[0].endswith("的告知书")
