"""Region codes print as GB/T 2260 names in public documents (420114 → 武汉市蔡甸区), from the table
shipped in documents/data/ (Hubei in full); a code the table lacks prints as itself."""

from __future__ import annotations

import csv
import datetime as dt
import io

from pypdf import PdfReader

from checks.uscc import make_uscc
from documents.codes import DATA, region_name
from documents.letters import AnnouncedEntry, AnnouncementList, render_announcement
from documents.opendata import announcement_csv


def test_a_region_code_reads_as_its_name_and_an_unknown_one_as_itself():
    assert region_name("420114") == "武汉市蔡甸区"
    assert region_name("422802") == "恩施土家族苗族自治州利川市"
    assert region_name("429004") == "仙桃市"  # directly under the province: no prefix
    assert region_name("420100") == "武汉市" and region_name("420000") == "湖北省"
    assert region_name("310101") == "310101" and region_name(None) == ""


def test_the_table_holds_hubei_in_full_and_no_statistical_only_unit():
    with (DATA / "gbt2260_hubei.csv").open(encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    assert len(set(codes)) == len(codes)
    counties = [c for c in codes if not c.endswith("00")]
    prefectures = [c for c in codes if c.endswith("00") and c != "420000"]
    assert len(counties) == 103 and len(prefectures) == 14  # 湖北省: 103 county-level, 14 prefecture-level
    assert not [c for c in counties if 71 <= int(c[4:]) <= 80]  # 开发区 and 管理区 are not GB/T 2260 divisions
    assert (DATA / "README.md").read_text(encoding="utf-8").count("57a0aa9cef47169a2eb74cf057b0245052a34e8c") == 1


def _entries():
    return (AnnouncedEntry(1, "武汉蔡甸商贸有限公司", make_uscc("420114", "MA000001"), "", "420114", 91.0),)


def test_an_announcement_prints_the_region_name_and_its_csv_carries_code_and_name():
    ann = AnnouncementList(
        3, "model_unit", dt.date(2026, 7, 1), dt.date(2026, 7, 8), "湖北省市场监督管理局", _entries()
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(render_announcement(ann))).pages)
    assert "武汉市蔡甸区" in text and "420114" not in text.replace(make_uscc("420114", "MA000001"), "")
    rows = list(csv.reader(io.StringIO(announcement_csv(ann.entries, ann.window_ends_on).decode("utf-8-sig"))))
    header = rows[0]
    assert rows[1][header.index("行政区划代码")] == "420114" and rows[1][header.index("行政区划")] == "武汉市蔡甸区"
