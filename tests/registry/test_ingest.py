"""Ingest: every good row lands once, every bad row is quarantined with why, counts add up."""

import json

import pytest
from sqlalchemy import func, select

from registry.db import make_engine
from registry.models import QuarantinedRow
from registry.records import KINDS
from registry.settings import get_settings
from tests.conftest import table_dump


def _balanced(rows):
    return all(r["read"] == r["stored"] + r["updated"] + r["unchanged"] + r["quarantined"] for r in rows)


def test_jsonl_and_csv_of_the_same_records_give_the_same_database(cli, generate, new_database):
    jsonl, csv_dir = generate(fmt="jsonl", name="j"), generate(fmt="csv", name="c")
    dumps = []
    for folder, db in ((jsonl, "j"), (csv_dir, "c")):
        url = new_database(db)
        result = cli("ingest", folder, "--json")
        assert result.code == 0, result.err
        rows = result.json()
        assert {r["kind"] for r in rows} == set(KINDS)
        assert _balanced(rows) and all(r["quarantined"] == 0 for r in rows)
        dumps.append(table_dump(url))
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["registrations"]) == 300 and len(dumps[0]["complaints"]) > 300


def test_reingesting_the_same_folder_changes_nothing(cli, generate, home):
    folder = generate(bad_rows=0.05)
    first = cli("ingest", folder, "--json").json()
    url = get_settings().db_url
    before = table_dump(url)
    with make_engine(url).connect() as conn:
        quarantined = conn.scalar(select(func.count()).select_from(QuarantinedRow))
    second = cli("ingest", folder, "--json").json()
    assert table_dump(url) == before
    with make_engine(url).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(QuarantinedRow)) == quarantined
    for a, b in zip(first, second):
        assert (b["stored"], b["updated"]) == (0, 0)
        assert b["unchanged"] == a["stored"] and b["quarantined"] == a["quarantined"] and _balanced([a, b])


def test_ten_percent_bad_rows_store_every_good_row_and_quarantine_every_bad_one(cli, generate, home):
    folder = generate(bad_rows=0.1)
    sidecar = json.loads((folder / "_bad_rows.json").read_text())
    rows = {r["kind"]: r for r in cli("ingest", folder, "--json").json()}
    listed = cli("quarantine", "list", "--limit", 100000, "--json").json()
    for kind, info in rows.items():
        expected = {bad["line"]: bad["field"] for bad in sidecar[kind]}
        assert info["quarantined"] == len(expected) > 0
        assert info["stored"] == info["read"] - len(expected) and _balanced([info])
        # Each bad row is quarantined at its line, naming the field the generator broke.
        assert {q["line"]: q["field"] for q in listed if q["kind"] == kind} == expected
    assert all(q["reason"] for q in listed)


def test_a_changed_row_is_updated_and_only_that_row(cli, generate, home):
    folder = generate()
    cli("ingest", folder / "penalties.jsonl")
    lines = (folder / "penalties.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[0])
    rec["fine_yuan"] = rec["fine_yuan"] + 1
    lines[0] = json.dumps(rec, ensure_ascii=False)
    (folder / "penalties.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    [again] = cli("ingest", folder / "penalties.jsonl", "--json").json()
    assert (again["stored"], again["updated"], again["unchanged"]) == (0, 1, len(lines) - 1)


def test_a_row_naming_its_field_and_value_is_quarantined(cli, tmp_path):
    path = tmp_path / "credit_classes.jsonl"
    path.write_text(json.dumps({"uscc": "91420100MA4K00002Y", "risk_class": "E", "classified_on": "2026-01-01"}) + "\n")
    [r] = cli("ingest", path, "--json").json()
    [q] = cli("quarantine", "list", "--json").json()
    assert r["quarantined"] == 1 and (q["line"], q["field"], q["value"]) == (1, "risk_class", "E")
    assert "'A', 'B', 'C' or 'D'" in q["reason"]


def test_an_unreadable_file_stores_nothing_and_says_so_in_one_line(cli, generate, home):
    folder = generate()
    path = folder / "complaints.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\xff\xfe" + data[len(data) // 2 :])
    result = cli("ingest", path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "not UTF-8" in result.err and "nothing from this file" in result.err
    assert table_dump(get_settings().db_url)["complaints"] == []


@pytest.mark.parametrize(
    "name, message",
    [
        ("shops.jsonl", "cannot tell the kind"),
        ("complaints.xml", "unsupported format"),
        ("missing.jsonl", "no such file"),
    ],
)
def test_a_file_of_unknown_kind_or_format_is_refused(cli, tmp_path, name, message):
    path = tmp_path / name
    if name != "missing.jsonl":
        path.write_text("{}\n")
    result = cli("ingest", path)
    assert result.code == 2 and message in result.err


def test_a_csv_with_an_unknown_column_is_refused_before_anything_is_stored(cli, tmp_path):
    path = tmp_path / "credit_classes.csv"
    path.write_text("uscc,risk_class,classified_on,colour\n91420100MA4K00002Y,A,2026-01-01,red\n")
    result = cli("ingest", path)
    assert result.code == 2 and "unknown column(s) colour" in result.err
    assert table_dump(get_settings().db_url)["credit_classes"] == []


def test_init_is_safe_to_run_twice_and_the_schema_matches_the_models(cli):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import registry.workflow_models  # noqa: F401
    from registry.models import Base

    assert cli("init").code == 0
    assert cli("init").code == 0
    with make_engine(get_settings().db_url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_validating_in_a_worker_process_stores_exactly_what_sequential_ingest_stores(
    cli, generate, monkeypatch, new_database
):
    import registry.ingest

    folder = generate(bad_rows=0.05)
    dumps, counts = [], []
    for threshold, db in ((1 << 40, "seq"), (0, "par")):
        monkeypatch.setattr(registry.ingest, "PARALLEL_FROM_BYTES", threshold)
        url = new_database(db)
        counts.append(cli("ingest", folder, "--json").json())
        dumps.append(table_dump(url))
    assert dumps[0] == dumps[1] and counts[0] == counts[1]
