"""`assured risk-scan` end to end: generate with an emerging problem, ingest, scan through the real
Prefect flow; the report finds the problem and never shows a phone or ID number."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from pypdf import PdfReader

from tests.flows.conftest import apply_online
from tests.publish.test_document_text import check_document

PHRASE = "闪退扣费"
PHONES = ("13912345678", "13887654321")
ID_NUMBER = "42010219800101123X"
# The same people written the ways complainants write them.
PERSONAL = (
    f"，联系电话{PHONES[0][:3]}-{PHONES[0][3:7]}-{PHONES[0][7:]}",
    f"，手机{PHONES[1]}，身份证号{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}",
    f"，王小明先生身份证{ID_NUMBER}",
)


def _add_personal_data(complaints_file):
    """Append phone and ID numbers to the injected complaints (those the report is sure to quote)."""
    lines = complaints_file.read_text(encoding="utf-8").splitlines()
    out, n = [], 0
    for line in lines:
        row = json.loads(line)
        if "E" in row["complaint_id"]:
            row["text"] = row["text"].rstrip("。") + PERSONAL[n % len(PERSONAL)] + "。"
            n += 1
        out.append(json.dumps(row, ensure_ascii=False))
    complaints_file.write_text("\n".join(out) + "\n", encoding="utf-8")
    return n


def _compact(text: str) -> str:
    return re.sub(r"[\s\-]", "", text)


@pytest.mark.prefect
def test_risk_scan_reports_the_injected_problem_and_masks_personal_data(cli, tmp_path, prefect_harness):
    src, out = tmp_path / "src", tmp_path / "report"
    made = cli(
        "generate",
        "--businesses",
        3000,
        "--seed",
        1,
        "--out",
        src,
        "--as-of",
        "2026-06-30",
        "--emerging",
        f"{PHRASE}@2026-05",
    )
    assert made.code == 0, made.err
    assert _add_personal_data(src / "complaints.jsonl") > 20
    assert cli("ingest", src).code == 0

    result = cli("risk-scan", "--as-of", "2026-06-30", "--out", out, "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert PHRASE in [t["term"] for t in report["emerging_terms"][:5]]
    assert any(t["dominant_term"] == PHRASE and t["dominant_share"] >= 0.5 for t in report["topics"])

    json_text = (out / "risk-2026-06-30.json").read_text(encoding="utf-8")
    pdf_text = "".join(page.extract_text() for page in PdfReader(out / "risk-2026-06-30.pdf").pages)
    assert PHRASE in pdf_text and "消费投诉风险预警报告" in pdf_text
    assert "[手机号]" in json_text and "[身份证号]" in json_text  # the quoted complaints carried them
    for text in (json_text, result.out, pdf_text):
        for secret in (*PHONES, ID_NUMBER, ID_NUMBER[:17], "王小明"):
            assert secret not in _compact(text)

    # A flagged business that applies shows reviewers the advisory risk notice beside its score.
    flagged = report["flagged_businesses"][0]["uscc"]
    app = apply_online(cli, flagged)
    shown = cli("applications", "show", app["id"], "--json").json()
    assert shown["risk_notice"]["uscc"] == flagged and "风险提示" in shown["risk_notice"]["zh"]
    assert "risk notice" not in (shown["status_reason"] or "").lower()  # advisory, never a reason to reject

    # read as a bureau reads it: no code words, ISO dates, bad breaks; page numbers past one page
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: the report was not read as text")
    assert check_document(out / "risk-2026-06-30.pdf") == []


def test_risk_scan_rejects_a_bad_date_naming_the_option(cli):
    result = cli("risk-scan", "--as-of", "2026-13-01")
    assert result.code == 2 and "--as-of" in result.err and "2026-13-01" in result.err


def test_risk_scan_rejects_a_window_too_short(cli):
    result = cli("risk-scan", "--window-days", 3)
    assert result.code == 2 and "--window-days" in result.err
