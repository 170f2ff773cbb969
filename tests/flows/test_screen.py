"""Screening under Prefect equals assessing business by business; the assess command's contract."""

import csv
import io
import json
import re

import pytest

from flows.screen import FIELDS
from tests.conftest import BACKEND
from tests.flows.conftest import AS_OF as FLOWS_AS_OF
from tests.flows.conftest import apply_online

AS_OF = "2026-06-30"


@pytest.fixture
def province(cli, generate):
    folder = generate(businesses=400, seed=5)
    assert cli("ingest", folder).code == 0
    return folder


def test_screening_gives_the_same_verdicts_as_assess_one_by_one(prefect_harness, cli, province, tmp_path):
    out = tmp_path / "screen.csv"
    result = cli("screen", "--program", "model_unit", "--as-of", AS_OF, "--out", out, "--parts", 3, "--json")
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["tasks"] == 3 and summary["businesses"] == 400
    data = out.read_text(encoding="utf-8")
    assert data.startswith("\ufeff统一社会信用代码,行政区划代码,行业代码,结论代码")  # BOM, Chinese headers
    header, *cells = list(csv.reader(io.StringIO(data[1:])))
    readme = (tmp_path / "screen.README.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| (\S+) \| `(\w+)` \| .+ \|$", readme, re.M))
    assert list(documented) == header and tuple(documented.values()) == FIELDS  # each header documented
    rows = [dict(zip(FIELDS, r, strict=True)) for r in cells]
    assert len(rows) == 400 and sum(summary["verdicts"].values()) == 400
    assert len({r["uscc"] for r in rows}) == 400
    for row in rows[::7]:  # a spread sample, each checked against the single-business path
        one = cli("assess", row["uscc"], "--program", "model_unit", "--as-of", AS_OF, "--json")
        assert one.code == 0, one.err
        one = one.json()
        assert (one["verdict"], one["score"], one["bonus"]) == (
            row["verdict"],
            float(row["score"]),
            float(row["bonus"]),
        )
        for status, column in (("veto", "vetoes"), ("fail", "failed"), ("missing", "missing")):
            assert "|".join(o["id"] for o in one["outcomes"] if o["status"] == status) == row[column]
    # the same rows as JSON lines, the id columns as lists
    lines = tmp_path / "screen.jsonl"
    assert cli("screen", "--program", "model_unit", "--as-of", AS_OF, "--out", lines, "--parts", 2).code == 0
    objects = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    assert [list(o) for o in objects[:1]] == [list(rows[0])]
    for o, row in zip(objects, rows, strict=True):
        assert {k: "|".join(v) if isinstance(v, list) else str(v) for k, v in o.items()} == row


def test_the_assess_json_carries_every_outcome_with_reasons(cli, province):
    uscc = json.loads((province / "registrations.jsonl").read_text(encoding="utf-8").splitlines()[0])["uscc"]
    out = cli("assess", uscc, "--program", "seven_day_return", "--as-of", AS_OF, "--json").json()
    assert set(out) == {"uscc", "program", "as_of", "verdict", "score", "bonus", "policy", "outcomes"}
    assert set(out["policy"]) == {"id", "effective_from", "sha256"} and len(out["policy"]["sha256"]) == 64
    ids = [o["id"] for o in out["outcomes"]]
    assert {"V1", "V2", "V3", "V5", "V6", "V7"} <= set(ids) and "V4" not in ids  # V4 is model_unit only
    for o in out["outcomes"]:
        assert o["status"] in ("pass", "fail", "veto", "missing") and o["reason_zh"] and o["reason_en"]
        assert o["basis"] in (None, "declared", "verified", "failed_on_site")


def _lines(folder, kind):
    return [json.loads(line) for line in (folder / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_the_assess_json_shows_inspection_verified_items_apart_from_declared_ones(cli, province):
    inspections = _lines(province, "inspections")
    inspected = {i["uscc"] for i in inspections}
    ins = next(
        i for i in inspections if i["program"] == "model_unit" and i["items"]["first_inquiry_rule"]["result"] == "pass"
    )
    latest = max(i["inspected_on"] for i in inspections if i["uscc"] == ins["uscc"] and i["program"] == "model_unit")
    assert latest == ins["inspected_on"]  # the generator inspects an applicant once per programme
    never = next(r["uscc"] for r in _lines(province, "registrations") if r["uscc"] not in inspected)
    for uscc in (ins["uscc"], never):  # both declare every mechanism
        apply_online(cli, uscc)
    day = max(FLOWS_AS_OF, ins["inspected_on"])

    def basis(uscc):
        out = cli("assess", uscc, "--program", "model_unit", "--as-of", day, "--json").json()
        return {o["id"]: o["basis"] for o in out["outcomes"]}

    checked = basis(ins["uscc"])
    assert checked["mechanisms.first_inquiry_responsibility"] == "verified"
    assert checked["mechanisms.service_station"] == "declared"  # no checklist item verifies it
    assert checked["mechanisms.odr"] is None and checked["V1"] is None  # registry facts, not declarations
    assert basis(never)["mechanisms.first_inquiry_responsibility"] == "declared"  # awaiting the on-site check


@pytest.mark.parametrize(
    "code, message",
    [
        ("91420100MA4K00002X", "position 18"),
        ("12345", "length 5"),
        ("91420100MA4K00002Y", "no registration on record"),
    ],
)
def test_assess_refuses_an_invalid_or_unknown_code_in_one_line(cli, province, code, message):
    result = cli("assess", code, "--as-of", AS_OF)
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1


@pytest.mark.skipif(
    BACKEND != "sqlite",
    reason="runs once, in the SQLite pass: the Dask workers read through the "
    "same SQL as one process (bench/postgres.py screens a PostgreSQL province on Dask)",
)
def test_screening_on_a_dask_cluster_equals_the_single_process_run(prefect_harness, cli, province, tmp_path):
    single, parallel = tmp_path / "single.csv", tmp_path / "dask.csv"
    assert cli("screen", "--as-of", AS_OF, "--out", single, "--parts", 3, "--json").code == 0
    result = cli("screen", "--as-of", AS_OF, "--out", parallel, "--parallel", "dask", "--workers", 2, "--json")
    assert result.code == 0, result.err
    assert result.json()["tasks"] == 4
    assert parallel.read_bytes() == single.read_bytes()


def test_screen_runs_on_dask_by_default_only_for_a_large_population_with_the_cores(cli, province, monkeypatch):
    import os

    import flows.commands.checks_cmds as cmds

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert not cmds._worth_dask(None, 2)  # 400 businesses: one process
    monkeypatch.setattr(cmds, "DASK_FROM", 400)
    assert cmds._worth_dask(None, 2) and not cmds._worth_dask(None, 1)
    assert not cmds._worth_dask("999999", 2)  # a region without businesses
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not cmds._worth_dask(None, 2)
    assert "not supported (use dask or none)" in cli("screen", "--parallel", "threads").err


def test_screening_rows_are_what_the_csv_module_writes_even_for_fields_that_need_quoting():
    import io

    from flows.screen import _csv_lines

    cells = {1: (("V1",), ("compliance.penalties", "longevity"), ()), 2: ((), (), ("V4",))}
    plain = [
        ("91420100MA4K00001X", "e", "a", None, "420102", "F5211"),
        ("92420100MA4K0000", "e", "a", None, "420103", "H"),
    ]
    odd = [("9142,0100", "e", "a", None, '42"01', "F\r\n1"), ("x", "e", "a", None, "", "")]
    results = [("eligible", 87.5, 0.0, 1), ("pending", 60.33, 3.0, 2)]
    for regs in (plain, odd):
        expected = io.StringIO()
        csv.writer(expected).writerows(
            [(r[0], r[4], r[5], v, s, b, *("|".join(i) for i in cells[m])) for r, (v, s, b, m) in zip(regs, results)]
        )
        assert _csv_lines(regs, results, cells.__getitem__) == expected.getvalue()
        assert [row[:3] for row in csv.reader(io.StringIO(expected.getvalue()))] == [[r[0], r[4], r[5]] for r in regs]
