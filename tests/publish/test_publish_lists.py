"""`assured publish` end to end on a hand-made registry: the files parse back and agree with counts
taken independently (plain Python over the ingested records, direct SQL); red and black lists hold
the right certificates; personal data appears nowhere; charts are drawn; two runs are identical."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text as sql

from checks.disclosures.figures import SECTIONS
from documents.codes import region_name
from registry.db import make_engine
from registry.settings import get_settings
from tests.publish.conftest import AS_OF, SECRETS

pytestmark = pytest.mark.usefixtures("prefect_harness")
START, PREV_START, PREV_END = "2025-07-01", "2024-07-01", "2025-06-30"
STEMS = ("red_list", "black_list", "complaint_disclosure", "industry_statistics")


def _csv(path: Path) -> list[dict]:
    """The rows of a published CSV keyed by field name, read through the README beside it: the file
    begins with a BOM, and every Chinese header is documented there."""
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()), f"{path.name} has no byte-order mark"
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"### {path.name}（", 1)[1].split("\n\n", 1)[1].split("\n\n", 1)[0]
    documented = dict(re.findall(r"^\| (\S+) \| `(\w+)` \| .+ \|$", section, re.M))
    reader = csv.reader(io.StringIO(data.decode("utf-8")[1:]))
    header = next(reader)
    assert all(not h.isascii() for h in header), header  # Chinese headers for spreadsheet readers
    assert set(header) == set(documented), f"{path.name}: undocumented {set(header) - set(documented)}"
    return [dict(zip((documented[h] for h in header), row)) for row in reader]


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def _compact(text: str) -> str:
    return re.sub(r"[\s\-（）()]", "", text)


def _expected(records: list[dict], min_complaints: int) -> tuple[dict, dict]:
    """Per business and in total, from the raw records: received, not_accepted, reconciled."""
    per: dict[str, Counter] = {}
    total = Counter()
    for r in records:
        if r["kind"] != "complaint" or not START <= r["received_on"] <= AS_OF:
            continue
        c = per.setdefault(r["uscc"], Counter())
        for bucket in (c, total):
            bucket["received"] += 1
            bucket["not_accepted"] += r["status"] == "not_accepted"
            bucket["reconciled"] += r["status"] == "reconciled" and (r["closed_on"] or "") <= AS_OF
    return {u: dict(c) for u, c in per.items() if c["received"] >= min_complaints}, dict(total)


def test_publish_writes_lists_statistics_and_letters_that_match_the_registry(cli, disclosure_data, tmp_path):
    out = tmp_path / "pub"
    result = cli("publish", "--out", out, "--as-of", AS_OF, "--min-complaints", 10, "--json")
    assert result.code == 0, result.err
    summary = result.json()
    d = disclosure_data
    u, numbers = d["usccs"], d["numbers"]

    # every document as PDF + CSV + JSON, a README, one letter per member unit
    for stem in STEMS:
        for ext in ("pdf", "csv", "json"):
            assert (out / f"{stem}.{ext}").stat().st_size > 0, f"{stem}.{ext}"
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "reconciliation_rate" in readme and "和解率" in readme and "Fields" in readme
    letters = sorted(p.stem for p in (out / "letters").glob("*.pdf"))
    assert letters == sorted(p.stem for p in (out / "letters").glob("*.json"))
    assert {"commerce", "culture_tourism", "transport", "market_regulation"} <= set(letters)

    # red list: valid, suspended and expired certificates; not reserved, revoked or superseded
    red = json.loads((out / "red_list.json").read_text(encoding="utf-8"))
    red_csv = _csv(out / "red_list.csv")
    assert red["count"] == len(red["items"]) == len(red_csv) == 3
    status = {e["number"]: e["status"] for e in red["items"]}
    assert status == {numbers["E"]: "valid", numbers["F"]: "suspended", numbers["G"]: "expired"}
    e_row = next(r for r in red_csv if r["number"] == numbers["E"])
    assert e_row["number_zh"] == d["numbers_zh"]["E"] and e_row["uscc"] == u["E"]
    assert e_row["business_name"] == "武汉诚信商场有限公司" and e_row["region_code"] == "420111"
    assert e_row["region_name"] == "武汉市洪山区"  # the GB/T 2260 name beside the code, both in the CSV
    assert (e_row["valid_from"], e_row["valid_until"], e_row["programme"]) == ("2026-01-10", "2028-01-09", "model_unit")
    with make_engine(get_settings().db_url).connect() as db:  # the registry's own view (SQLite or PostgreSQL)
        not_listed = {
            n
            for (n,) in db.execute(
                sql("SELECT number FROM certificates WHERE status IN ('reserved', 'revoked', 'superseded')")
            )
        }
        complaints_sql = tuple(
            db.execute(
                sql(
                    "SELECT count(*), sum(CASE WHEN status = 'not_accepted' THEN 1 ELSE 0 END) FROM complaints WHERE "
                    "kind = 'complaint' AND received_on BETWEEN :start AND :end"
                ),
                {"start": dt.date.fromisoformat(START), "end": dt.date.fromisoformat(AS_OF)},
            ).one()
        )
    assert not_listed == {numbers["D"], numbers["H"], numbers["I"]} and not (not_listed & set(status))
    red_pdf = _pdf_text(out / "red_list.pdf")
    assert d["numbers_zh"]["E"] in red_pdf.replace("\n", "") and "武汉诚信商场有限公司" in red_pdf

    # black list: the current complaint black listing and the revoked certificate with its reason
    black = json.loads((out / "black_list.json").read_text(encoding="utf-8"))
    black_csv = _csv(out / "black_list.csv")
    assert black["count"] == len(black["items"]) == len(black_csv) == 2
    current = {
        x["uscc"]
        for x in d["listings"]
        if x["list"] == "complaint_blacklist"
        and x["listed_on"] <= AS_OF
        and (x["removed_on"] is None or x["removed_on"] > AS_OF)
    }
    assert {r["uscc"] for r in black_csv if r["entry"] == "complaint_blacklist"} == current == {u["B"]}
    [listed] = [r for r in black_csv if r["entry"] == "complaint_blacklist"]
    assert (listed["region_code"], listed["region_name"]) == ("420106", "武汉市武昌区")
    assert (listed["industry_code"], listed["industry_section"]) == ("L7291", "租赁和商务服务业")
    [revoked] = [r for r in black_csv if r["entry"] == "revoked_certificate"]
    assert (revoked["certificate_number"], revoked["uscc"], revoked["listed_on"]) == (
        numbers["D"],
        u["D"],
        "2026-05-10",
    )
    assert (revoked["reason_code"], revoked["reason_zh"], revoked["reason_en"]) == (
        "severe_penalty",
        "受到严重行政处罚",
        "severe administrative penalty",
    )
    assert "停业整顿" in revoked["note"]
    assert "受到严重行政处罚" in _pdf_text(out / "black_list.pdf")

    # complaint disclosure: enterprises with >= 10 complaints, counts as the records say
    expected, total = _expected(d["complaints"], 10)
    disc = json.loads((out / "complaint_disclosure.json").read_text(encoding="utf-8"))
    disc_csv = _csv(out / "complaint_disclosure.csv")
    assert disc["count"] == len(disc["items"]) == len(disc_csv) == len(expected) == 2
    for row in disc_csv:
        want = expected[row["uscc"]]
        assert row["region_name"] == region_name(row["region_code"]) != row["region_code"], row
        assert row["industry_section"] == SECTIONS[row["industry_code"][0]], row
        got = {k: int(row[k]) for k in ("received", "not_accepted", "reconciled")}
        assert got == want
        assert float(row["reconciliation_rate"]) == pytest.approx(
            want["reconciled"] / (want["received"] - want["not_accepted"]), abs=1e-4
        )
    a = next(e for e in disc["items"] if e["uscc"] == u["A"])
    assert [c["category"] for c in a["top_categories"]] == ["质量", "退货退款", "价格"]
    assert a["top_categories"][0]["count"] == 7
    assert "电饭煲漏电" in a["samples"][0]["text"] and "[手机号]" in a["samples"][0]["text"]
    assert "[身份证号]" in a["samples"][0]["text"] and "*先生" in a["samples"][0]["text"]

    # industry statistics: platform totals equal the registry's and the records'; 92.78 % beside them
    stats = json.loads((out / "industry_statistics.json").read_text(encoding="utf-8"))
    t = stats["totals"]
    assert (t["received"], t["not_accepted"]) == tuple(complaints_sql) == (total["received"], total["not_accepted"])
    assert t["reconciled"] == total["reconciled"]
    assert t["reconciliation_rate"] == pytest.approx(
        total["reconciled"] / (total["received"] - total["not_accepted"]), abs=1e-4
    )
    assert stats["reference"]["rate"] == 0.9278
    stat_csv = _csv(out / "industry_statistics.csv")
    assert len(stat_csv) == stats["count"]
    for dim in ("section", "industry", "region", "category", "month"):
        assert sum(int(r["received"]) for r in stat_csv if r["dimension"] == dim) == t["received"], dim
    months = [r["key"] for r in stat_csv if r["dimension"] == "month"]
    assert months == [f"{y}-{m:02d}" for y, m in [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]]
    regions = {r["key"]: int(r["received"]) for r in stat_csv if r["dimension"] == "region"}
    assert regions["420100"] == sum(
        1
        for r in d["complaints"]
        if r["kind"] == "complaint" and START <= r["received_on"] <= AS_OF and r["uscc"][2:6] == "4201"
    )
    prev = sum(1 for r in d["complaints"] if r["kind"] == "complaint" and PREV_START <= r["received_on"] <= PREV_END)
    assert stats["previous_totals"]["received"] == prev == 3
    # the CSV carries the previous-year figures the PDF shows: the total's and each month's
    [total_row] = [r for r in stat_csv if r["dimension"] == "total"]
    assert total_row["previous_received"] == ("3" if stats["previous_covered"] else "")
    by_month = {m["key"]: m["previous_year_received"] for m in stats["by_month"]}
    assert {r["key"]: r["previous_received"] for r in stat_csv if r["dimension"] == "month"} == {
        k: "" if v is None else str(v) for k, v in by_month.items()
    }
    assert all(r["previous_received"] == "" for r in stat_csv if r["dimension"] not in ("total", "month"))

    # charts: titles and reference line labels in the text, bars as rectangles in the page content
    stat_pdf = PdfReader(out / "industry_statistics.pdf")
    stat_text = "".join(p.extract_text() for p in stat_pdf.pages)
    for label in ("各行业门类投诉件数", "各市州和解率", "各月投诉件数", "参考值 92.78%", "批发和零售业", "武汉市"):
        assert label in stat_text, label
    content = stat_pdf.pages[0].get_contents().get_data().decode("latin-1")
    assert len(re.findall(r" re\b", content)) >= 10  # bar rectangles

    # letters: the sector's complaints and the businesses needing attention
    commerce = json.loads((out / "letters" / "commerce.json").read_text(encoding="utf-8"))
    assert commerce["unit"]["name_zh"] == "商务局"
    assert u["A"] in [b["uscc"] for b in commerce["attention"]["most_complaints"]]
    assert commerce["totals"]["received"] == sum(
        1
        for r in d["complaints"]
        if r["kind"] == "complaint"
        and START <= r["received_on"] <= AS_OF
        and r["uscc"] in {u[k] for k in "ADEFGHI" if k != "F"}
    )  # F52xx businesses (F is catering, H62)
    tourism = json.loads((out / "letters" / "culture_tourism.json").read_text(encoding="utf-8"))
    assert [b["uscc"] for b in tourism["attention"]["blacklisted"]] == [u["B"]]
    tourism_pdf = _pdf_text(out / "letters" / "culture_tourism.pdf")
    assert (
        "湖北省文化和旅游厅：" in tourism_pdf
        and "武汉畅游旅行社有限公司" in tourism_pdf
        and "各月投诉件数" in tourism_pdf
    )
    letters_total = sum(
        json.loads(p.read_text(encoding="utf-8"))["totals"]["received"] for p in (out / "letters").glob("*.json")
    )
    assert letters_total == t["received"]  # every complaint goes to exactly one member unit

    # personal data: none of the injected items anywhere, in any file, nor in the PDFs' text
    for path in sorted(out.rglob("*")):
        if path.is_dir():
            continue
        raw = path.read_bytes().decode("utf-8", errors="ignore")
        # a PDF's raw bytes (compressed, with an xref table of digits) are checked for the items only
        shown = _pdf_text(path) if path.suffix == ".pdf" else raw
        texts = [shown, _compact(shown)]
        for secret in SECRETS:
            assert secret not in raw, (path.name, secret)
        for text in texts:
            for secret in SECRETS:
                assert secret not in text, (path.name, secret)
            assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text), path.name
            assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", text), path.name
    assert summary["counts"]["red_list"] == 3 and len(summary["files"]) == len(list(out.rglob("*.*")))

    # determinism: the same data and date give byte-identical files, in another folder and in place
    again = tmp_path / "again"
    assert cli("publish", "--out", again, "--as-of", AS_OF, "--min-complaints", 10).code == 0
    assert cli("publish", "--out", out, "--as-of", AS_OF, "--min-complaints", 10).code == 0
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys() and all(first[k] == second[k] for k in first)
    assert {str(k): __import__("hashlib").sha256(v).hexdigest() for k, v in first.items()} == summary["files"]


def test_an_earlier_date_shows_the_lists_as_they_were(cli, disclosure_data, tmp_path):
    """On 2026-05-05 the later-revoked certificate was suspended (on the red list) and G not yet
    expired; on 2026-02-01, before its renewal, I was valid."""
    out = tmp_path / "early"
    assert cli("publish", "--out", out, "--as-of", "2026-05-05").code == 0
    red = {e["number"]: e["status"] for e in json.loads((out / "red_list.json").read_text("utf-8"))["items"]}
    n = disclosure_data["numbers"]
    assert red == {n["D"]: "suspended", n["E"]: "valid", n["F"]: "valid", n["G"]: "valid"}
    black = json.loads((out / "black_list.json").read_text("utf-8"))["items"]
    assert [e["entry"] for e in black] == ["complaint_blacklist"]  # revoked only on 2026-05-10
    before = tmp_path / "before"
    assert cli("publish", "--out", before, "--as-of", "2026-02-01").code == 0
    red = {e["number"]: e["status"] for e in json.loads((before / "red_list.json").read_text("utf-8"))["items"]}
    assert red[n["I"]] == "valid" and n["H"] not in red  # superseded on 2026-03-01; H only reserved


def test_a_bad_member_unit_mapping_is_refused_naming_the_file_and_key(cli, tmp_path, monkeypatch):
    bad = tmp_path / "units.yaml"
    bad.write_text(
        "default: {id: amr, name_zh: 市场监督管理局, name_en: AMR}\n"
        "units:\n  - {id: commerce, name_zh: 商务局, name_en: Commerce, industries: [F52, X99]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSURED_MEMBER_UNITS", str(bad))
    get_settings.cache_clear()
    result = cli("publish", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert result.code == 2
    assert str(bad) in result.err and "units[0].industries[1]" in result.err and "X99" in result.err
    assert len(result.err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    assert cli("publish", "--as-of", "30/06/2026").code == 2


def test_a_configured_mapping_decides_the_letters(cli, disclosure_data, tmp_path, monkeypatch):
    units = tmp_path / "units.yaml"
    units.write_text(
        "default: {id: amr, name_zh: 市场监督管理局, name_en: AMR}\n"
        "units:\n  - {id: tourism, name_zh: 文化和旅游局, name_en: Tourism, industries: [L72]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSURED_MEMBER_UNITS", str(units))
    get_settings.cache_clear()
    out = tmp_path / "out"
    assert cli("publish", "--out", out, "--as-of", AS_OF).code == 0
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["amr.json", "amr.pdf", "tourism.json", "tourism.pdf"]
    tourism = json.loads((out / "letters" / "tourism.json").read_text("utf-8"))
    assert tourism["totals"]["received"] == 10 and tourism["unit"]["industries"] == ["L72"]
    assert dt.date.fromisoformat(tourism["as_of"]) == dt.date(2026, 6, 30)


def test_the_letters_are_numbered_once_addressed_as_the_bureau_sets_and_the_bureau_gets_none(
    cli, disclosure_data, tmp_path, monkeypatch
):
    monkeypatch.setenv("ASSURED_MEMBER_ADDRESSEES", '{"commerce": "武汉市商务局"}')
    get_settings.cache_clear()
    first, again = tmp_path / "first", tmp_path / "again"
    assert cli("publish", "--out", first, "--as-of", AS_OF).code == 0
    assert cli("publish", "--out", again, "--as-of", AS_OF).code == 0
    numbers = {}
    for pdf in sorted((first / "letters").glob("*.pdf")):
        text = "".join(_pdf_text(pdf).split())
        found = re.findall(r"鄂市监消〔2026〕(\d+)号", text)
        numbers[pdf.stem] = int(found[0]) if found else None
        assert (again / "letters" / pdf.name).read_bytes() == pdf.read_bytes()  # a re-run keeps its numbers
    assert numbers.pop("market_regulation") is None  # the bureau's own summary is no letter
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    assert "武汉市商务局：" in _pdf_text(first / "letters" / "commerce.pdf")


def test_an_addressee_for_an_unknown_unit_is_refused_naming_it(cli, disclosure_data, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSURED_MEMBER_ADDRESSEES", '{"trade": "武汉市商务局"}')
    get_settings.cache_clear()
    result = cli("publish", "--out", tmp_path / "out", "--as-of", AS_OF)
    assert result.code != 0 and "member_addressees: 'trade' is not a member unit" in result.err
