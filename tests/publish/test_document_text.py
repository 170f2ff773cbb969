"""Every document a bureau sends, read as its recipient reads it: rendered from test data (the
disclosures through `assured publish` on the ingested records, letters and notices from their
dataclasses with the real check titles and remedies, a certificate from its data), its text
extracted with poppler's `pdftotext`, and refused when it shows an ASCII identifier with a dot or
underscore (a field or file name), a check code such as "(V6)", "None", a "-100.0%" from an empty
period, a line beginning with a closing punctuation mark, a date in ISO form (2026-07-28) where
Chinese text writes 2026年7月28日, or a multi-page PDF without page numbers. A date or a document
number (文号) never breaks across two lines, wherever it falls."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from reportlab.lib.pagesizes import A4

from certificates.status import CertificateState
from checks.remedies import remedy
from checks.scores import SCORED
from checks.uscc import make_uscc
from checks.vetoes import VETOES
from documents.certificate import render
from documents.disclosures import Doc
from documents.letters import (
    AnnouncedEntry,
    AnnouncementList,
    Finding,
    Redress,
    RejectionLetter,
    StatusNotice,
    render_announcement,
    render_rejection_letter,
    render_status_notice,
)
from documents.official import Official
from tests.publish.conftest import AS_OF
from tests.support.certificates import make_data  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed"),
]
AUTHORITY = "湖北省市场监督管理局"
CONTACT = "联系方式：地址：武汉市洪山区和平大道 1 号；电话：027-87111111"
REDRESS = Redress(AUTHORITY, 15, 60, 6)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
URL = re.compile(r"https?://\S+")
SERIAL = re.compile(r"序列号\s*\S+")  # a certificate's serial is printed to be compared with its twin
IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9]*(?:[._][A-Za-z0-9]+)+")
CHECK_CODE = re.compile(r"[（(]\s*[A-Z]{1,2}\d+\s*[)）]")
CLOSING = tuple("，。、；：？！）》」』】〕,.;:?!)")
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{1,2}-\d{1,2}(?![\d-])")


def problems(text: str) -> list[str]:
    """What a reader should never see in the text of one document."""
    found = [f"identifier {m}" for m in IDENTIFIER.findall(SERIAL.sub("", URL.sub("", text)))]
    found += [f"check code {m}" for m in CHECK_CODE.findall(text)]
    found += ["None"] * ("None" in text) + ["-100.0%"] * ("-100.0%" in text)
    found += [f"ISO date {m}" for m in ISO_DATE.findall(text)]
    found += [f"line starts with {line.strip()[:12]!r}" for line in text.splitlines() if line.strip()[:1] in CLOSING]
    return found


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1]


def check_document(pdf: Path) -> list[str]:
    texts = pages(pdf)
    found = [f"{pdf.name}: {p}" for p in problems("\n".join(texts))]
    if len(texts) > 1:
        found += [
            f"{pdf.name}: page {i} has no 第 {i} 页 共 {len(texts)} 页"
            for i, t in enumerate(texts, 1)
            if f"第{i}页共{len(texts)}页" not in "".join(t.split())
        ]
    return found


@pytest.mark.parametrize(
    "text, problem",
    [
        ("见 complaint_disclosure.csv", "identifier complaint_disclosure.csv"),
        ("投诉及时办结（complaints.closed_within_7_days）", "identifier complaints.closed_within_7_days"),
        ("承诺退货期（V6）", "check code （V6）"),
        ("有效期 None 至 None", "None"),
        ("环比 -100.0%", "-100.0%"),
        ("甲\n，乙", "line starts with '，乙'"),
        ("拒绝无理由退货：2026-07-28", "ISO date 2026-07-28"),
    ],
    ids=[
        "a file name",
        "a check id",
        "a check code",
        "None",
        "-100 % from an empty month",
        "a leading comma",
        "an ISO date",
    ],
)
def test_the_reader_check_finds_each_fault(text, problem):
    assert problem in problems(text)


def test_the_reader_check_passes_plain_chinese_decimals_and_addresses():
    assert problems("和解率 92.78%，参考值 31,844 / 34,321；核验网址 https://verify.example.gov.cn/verify/x") == []


REFUSED_ON = dt.date(2026, 7, 28)


def _refused_return() -> Finding:
    """V9 as the check itself words it for a return refused to a mystery shopper on REFUSED_ON."""
    v9 = next(c for c in VETOES if c.id == "V9")
    visit = SimpleNamespace(visited_on=REFUSED_ON, ref="mystery_shop:AF-0002")
    o = v9.outcome(v9.fn(SimpleNamespace(refused_returns=(visit,)), {"field.refused_return_months": 12}))
    return Finding(o.id, o.title_zh, o.status.value, o.reason_zh, remedy(o.id)[0])


def _findings() -> tuple[Finding, ...]:
    checks = {c.id: c for c in (*VETOES, *SCORED)}
    chosen = [c for c in checks.values() if c.id in ("V6", "longevity", "mechanisms.return_promise")] or list(
        checks.values()
    )[:3]
    return (
        *(
            Finding(c.id, c.title_zh, "veto" if c.kind == "veto" else "fail", "未达到本项要求", remedy(c.id)[0])
            for c in chosen
        ),
        _refused_return(),
    )


def _letters(folder: Path) -> list[Path]:
    uscc = make_uscc("420102", "MA4K0001")
    entries = tuple(
        AnnouncedEntry(i, f"武汉第{i}商贸有限公司", make_uscc("420102", f"MA{i:06d}"), f"江岸第{i}门店", "420102", 90.5)
        for i in range(1, 60)
    )
    on = dt.date(2026, 6, 30)
    form = Official(AUTHORITY, "鄂市监消〔2026〕17号", on, CONTACT)
    letter = RejectionLetter(
        7, "武汉江岸便民超市有限公司", uscc, "model_unit", on, 62.5, 80, _findings(), form, REDRESS
    )
    announcement = AnnouncementList(3, "model_unit", dt.date(2026, 7, 1), dt.date(2026, 7, 8), AUTHORITY, entries)
    return _written(
        folder, {"rejection": render_rejection_letter(letter), "announcement": render_announcement(announcement)}
    )


def _written(folder: Path, docs: dict[str, bytes]) -> list[Path]:
    for name, data in docs.items():
        (folder / f"{name}.pdf").write_bytes(data)
    return [folder / f"{name}.pdf" for name in docs]


def test_no_disclosure_letter_or_announcement_shows_code_words_empty_comparisons_or_bad_breaks(
    cli, disclosure_data, tmp_path
):
    out = tmp_path / "pub"
    assert cli("publish", "--out", out, "--as-of", AS_OF, "--min-complaints", 10, "--json").code == 0
    documents = sorted(out.glob("*.pdf")) + sorted((out / "letters").glob("*.pdf")) + _letters(tmp_path)
    assert len(documents) >= 12
    found = [p for pdf in documents for p in check_document(pdf)]
    keep_images(documents)
    assert found == [], "\n".join(found)


def keep_images(documents: list[Path]) -> None:
    """The first pages of each document as PNG in tests/artifacts/documents/ (not kept in git), to look at."""
    folder = ARTIFACTS / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    for pdf in documents:
        prefix = folder / (pdf.stem if pdf.parent.name != "letters" else f"letter-{pdf.stem}")
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-l", "2", str(pdf), str(prefix)], check=True)


def test_no_status_notice_or_certificate_shows_code_words(make_data, tmp_path):  # noqa: F811
    notice = StatusNotice(
        "seven_day_return",
        "武汉汉正街服饰有限公司",
        make_uscc("420102", "MA4K0001"),
        "鄂七日〔2026〕第420100-000007号",
        CertificateState.suspended,
        dt.date(2026, 7, 3),
        "投诉数量明显上升",
        Official(AUTHORITY, "鄂市监消〔2026〕18号", dt.date(2026, 7, 3), CONTACT),
        REDRESS,
        _findings(),
    )
    docs = {
        "suspension": render_status_notice(notice),
        "certificate": render(make_data()).pdf,
        "certificate-store": render(make_data(7, "seven_day_return")).pdf,
    }
    found = [p for pdf in _written(tmp_path, docs) for p in check_document(pdf)]
    assert found == [], "\n".join(found)


def test_the_reasons_letter_cites_a_refused_return_with_its_date_in_chinese_form(tmp_path):
    [letter] = [pdf for pdf in _letters(tmp_path) if pdf.stem == "rejection"]
    flat = "".join("".join(pages(letter)).split())
    assert "暗访拒绝无理由退货" in flat and "拒绝无理由退货：2026年7月28日" in flat
    assert "2026-07-28" not in flat


DATE, NUMBER = "2026年11月28日", "鄂市监罚〔2026〕123号"  # neither is the letter's own date or number
SHIFTS = range(60)  # characters before them: each falls at every place of a line, the line's end too


def _lines(pdf: Path) -> list[str]:
    return ["".join(line.split()) for page in pages(pdf) for line in page.splitlines() if line.strip()]


def test_a_date_or_a_document_number_never_breaks_across_two_lines(tmp_path):
    """In a letter's table cells and in a disclosure's body paragraphs (the two widths every letter,
    notice and disclosure uses), with the date and the 文号 moved one character at a time."""
    text = [f"{'甲' * k}于{DATE}经{NUMBER}决定" for k in SHIFTS]
    findings = tuple(Finding("V9", "暗访拒绝无理由退货", "veto", t, "整改") for t in text)
    form = Official(AUTHORITY, "鄂市监消〔2026〕17号", dt.date(2026, 6, 30), CONTACT)
    letter = RejectionLetter(
        7,
        "武汉江岸便民超市有限公司",
        make_uscc("420102", "MA4K0001"),
        "model_unit",
        dt.date(2026, 6, 30),
        62.5,
        80,
        findings,
        form,
        REDRESS,
    )
    doc = Doc()
    for t in text:
        doc.add(t)
    written = _written(tmp_path, {"cells": render_rejection_letter(letter), "body": doc.build("正文", A4)})
    for pdf in written:
        lines = _lines(pdf)
        assert sum(line.count(DATE) for line in lines) == len(SHIFTS), (pdf.name, lines)
        assert sum(line.count(NUMBER) for line in lines) == len(SHIFTS), (pdf.name, lines)
        assert any(line.startswith(DATE) for line in lines) and any(line.endswith(DATE) for line in lines), pdf.name
    keep_images(written)
