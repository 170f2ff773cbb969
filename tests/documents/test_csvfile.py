"""Every CSV the project writes neutralises cells a spreadsheet would run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from documents.csvfile import csv_text, safe_cell
from documents.opendata import csv_bytes


@pytest.mark.parametrize(
    "value, cell",
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+86 138 0000 0000", "'+86 138 0000 0000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("武汉=好", "武汉=好"),
        ("a-b", "a-b"),
        ("", ""),
        (None, ""),
        (-5, -5),
        (87.5, 87.5),
    ],
    ids=[
        "a cell beginning with = is quoted as text",
        "a cell beginning with + is quoted as text",
        "a cell beginning with - is quoted as text",
        "a cell beginning with @ is quoted as text",
        "a cell beginning with a tab is quoted as text",
        "a cell beginning with a carriage return is quoted as text",
        "an equals sign inside the text is left alone",
        "a hyphen inside the text is left alone",
        "an empty cell stays empty",
        "None is an empty cell",
        "a negative number stays a number",
        "a float stays a number",
    ],
)
def test_a_cell_is_neutralised_only_when_it_begins_like_a_formula(value, cell):
    assert safe_cell(value) == cell


def test_csv_text_reads_back_with_every_formula_cell_as_text():
    text = csv_text([["=1+1", "ok", -3], ["@x", "\r\nline", None]], ["=h", "b", "c"])
    assert list(csv.reader(io.StringIO(text))) == [["'=h", "b", "c"], ["'=1+1", "ok", "-3"], ["'@x", "'\r\nline", ""]]


def test_the_open_data_csv_neutralises_a_business_name_written_as_a_formula():
    rows = [{"uscc": "91420100MA4K00001X", "business_name": "=cmd|' /C calc'!A0"}]
    data = csv_bytes(rows, ("uscc", "business_name")).decode("utf-8").lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(data))) == [
        ["统一社会信用代码", "经营者名称"],
        ["91420100MA4K00001X", "'=cmd|' /C calc'!A0"],
    ]
