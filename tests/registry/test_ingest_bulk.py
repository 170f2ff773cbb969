"""The bulk ingest path (batch validation, inserts without key look-ups into an empty table)
stores and quarantines exactly what the row-by-row path does, bad rows included."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from registry.db import make_engine
from registry.ingest import bulk_validator
from registry.models import QuarantinedRow
from registry.records import KINDS
from registry.settings import get_settings
from tests.conftest import table_dump
from tests.registry.test_ingest_hardening import USCC, _complaint, _registration, _write

ROW_BY_ROW, BULK = str(1 << 40), "0"


def _quarantine(url: str) -> list[tuple]:
    t = QuarantinedRow.__table__
    cols = [t.c.kind, t.c.line, t.c.field, t.c.value, t.c.reason, t.c.raw]
    with make_engine(url).connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(*cols)))


def _both_paths(cli, monkeypatch, new_database, *paths, then: tuple = ()) -> list[tuple]:
    """(counts, stored rows, quarantine) of ingesting `paths` row by row, then on the bulk path;
    `then`: further runs on the same database, each (environment changes, paths), whose counts
    are appended to the first run's."""
    out = []
    for threshold, db in ((ROW_BY_ROW, "rows"), (BULK, "bulk")):
        monkeypatch.setenv("ASSURED_INGEST_BULK_FROM_BYTES", threshold)
        monkeypatch.delenv("ASSURED_MAX_AMOUNT_YUAN", raising=False)
        url = new_database(db)
        counts = []
        for env, run_paths in (({}, paths), *then):
            for name, value in env.items():
                monkeypatch.setenv(name, value)
            get_settings.cache_clear()
            result = cli("ingest", *run_paths, "--json")
            assert result.code == 0, result.err
            counts += result.json()
        out.append((counts, table_dump(url), _quarantine(url)))
    get_settings.cache_clear()
    return out


def _line_hashes(url: str, table: str) -> list:
    with make_engine(url).connect() as conn:
        return list(conn.execute(text(f"SELECT line_hash FROM {table} ORDER BY 1")).scalars())


def test_every_record_kind_has_a_batch_validator():
    # A kind without one would quietly validate row by row on the bulk path.
    assert all(bulk_validator(kind).exact for kind in KINDS.values())


def test_the_bulk_path_stores_and_quarantines_what_the_row_by_row_path_does(cli, generate, monkeypatch, new_database):
    folder = generate(bad_rows=0.1)
    (row_counts, row_dump, row_q), (bulk_counts, bulk_dump, bulk_q) = _both_paths(
        cli, monkeypatch, new_database, folder
    )
    assert sum(r["quarantined"] for r in row_counts) > 0 and sum(r["stored"] for r in row_counts) > 0
    assert bulk_counts == row_counts
    assert bulk_dump == row_dump
    assert bulk_q == row_q


def test_hostile_rows_get_the_same_verdict_on_both_paths(cli, tmp_path, monkeypatch, new_database):
    rows = [
        _complaint(1),
        _complaint(2, category="质量\n投诉"),  # a control character (a column check refuses it)
        _complaint(3, received_on="1948-12-31"),  # before 1949
        _complaint(4, amount_yuan=1e12),  # above the ceiling
        _complaint(5, closed_on="2026-02-01"),  # closed before received (a field validator)
        _complaint(6, uscc=USCC.lower()),  # valid once upper-cased: the validator changes the value
        _complaint(1, text="再次提交"),  # a duplicate key of line 1
        _complaint(7, uscc="91420102MA4K00010X"),  # a wrong check digit
        _complaint(8, kind="praise"),  # structural: not one of the literals
        _complaint(9),
    ]
    path = _write(tmp_path / "complaints.jsonl", rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    registrations = _write(tmp_path / "registrations.jsonl", [_registration()])
    (row_counts, row_dump, row_q), (bulk_counts, bulk_dump, bulk_q) = _both_paths(
        cli, monkeypatch, new_database, registrations, path
    )
    complaints = {r["kind"]: r for r in row_counts}["complaints"]
    assert (complaints["read"], complaints["stored"], complaints["quarantined"]) == (11, 3, 8)
    assert [line for kind, line, *_ in row_q if kind == "complaints"] == [2, 3, 4, 5, 7, 8, 9, 11]
    assert bulk_counts == row_counts and bulk_dump == row_dump and bulk_q == row_q
    assert (USCC,) * 3 == tuple(r[1] for r in bulk_dump["complaints"])  # the lower-case code stored upper-case


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_forced_bulk_ingest_of_a_small_file_matches_row_by_row(cli, generate, monkeypatch, new_database, fmt):
    folder = generate(businesses=120, seed=5, bad_rows=0.2, fmt=fmt)
    (row_counts, row_dump, row_q), (bulk_counts, bulk_dump, bulk_q) = _both_paths(
        cli, monkeypatch, new_database, folder
    )
    assert (bulk_counts, bulk_dump, bulk_q) == (row_counts, row_dump, row_q)
    bad = json.loads((folder / "_bad_rows.json").read_text())
    assert {r["kind"]: r["quarantined"] for r in bulk_counts} == {kind: len(bad.get(kind, [])) for kind in KINDS}


@pytest.mark.parametrize("worker", [False, True], ids=["in process", "validation worker"])
def test_a_reingest_skips_known_lines_and_still_quarantines_a_repeated_key(
    cli, tmp_path, monkeypatch, new_database, worker
):
    import registry.ingest

    monkeypatch.setattr(registry.ingest, "PARALLEL_FROM_BYTES", 0 if worker else 1 << 40)
    registrations = _write(tmp_path / "registrations.jsonl", [_registration()])
    first = _write(tmp_path / "complaints.jsonl", [_complaint(1), _complaint(2), _complaint(3)])
    second = _write(
        tmp_path / "complaints-2.jsonl",
        [
            _complaint(2, text="补充说明"),  # changed: updated
            _complaint(1),  # known: unchanged without being validated
            _complaint(2),  # known, but line 1 had its key: a duplicate
            _complaint(4),  # new
            _complaint(1, text="再次提交"),  # line 2's key again
            _complaint(1),  # line 2 again, word for word
        ],
    )
    (row_counts, row_dump, row_q), (bulk_counts, bulk_dump, bulk_q) = _both_paths(
        cli, monkeypatch, new_database, registrations, first, then=(({}, [second]), ({}, [second]))
    )
    again, third = row_counts[-2], row_counts[-1]
    assert (again["stored"], again["updated"], again["unchanged"], again["quarantined"]) == (1, 1, 1, 3)
    assert (third["stored"], third["updated"], third["unchanged"], third["quarantined"]) == (0, 0, 3, 3)
    assert [(line, reason) for kind, line, _, _, reason, _ in row_q if kind == "complaints"] == [
        (3, "duplicate of line 1 (same complaint_id)"),
        (5, "duplicate of line 2 (same complaint_id)"),
        (6, "duplicate of line 2 (same complaint_id)"),
    ]
    assert (bulk_counts, bulk_dump, bulk_q) == (row_counts, row_dump, row_q)


def test_a_known_line_is_validated_again_when_the_rules_around_it_change(cli, tmp_path, monkeypatch, new_database):
    registrations = _write(tmp_path / "registrations.jsonl", [_registration()])
    path = _write(tmp_path / "complaints.jsonl", [_complaint(1, amount_yuan=5000.0), _complaint(2)])
    lower = {"ASSURED_MAX_AMOUNT_YUAN": "1000"}
    (row_counts, *_), (bulk_counts, bulk_dump, bulk_q) = _both_paths(
        cli, monkeypatch, new_database, registrations, path, then=((lower, [path]),)
    )
    # Under the lower ceiling the stored 5,000-yuan row is refused again, on both paths.
    assert (row_counts[-1]["unchanged"], row_counts[-1]["quarantined"]) == (1, 1)
    assert bulk_counts == row_counts
    assert [(line, field) for kind, line, field, *_ in bulk_q] == [(1, "amount_yuan")]


def test_json_lines_store_a_line_hash_and_csv_rows_none(cli, generate, monkeypatch, new_database):
    monkeypatch.setenv("ASSURED_INGEST_BULK_FROM_BYTES", BULK)
    for fmt in ("jsonl", "csv"):
        folder = generate(businesses=40, seed=7, fmt=fmt, name=fmt)
        url = new_database(fmt)
        assert cli("ingest", folder / f"registrations.{fmt}").code == 0
        hashes = _line_hashes(url, "registrations")
        assert len(hashes) == 40
        assert (None in hashes) == (fmt == "csv") and len(set(hashes)) == (1 if fmt == "csv" else 40)
    get_settings.cache_clear()


def test_rows_stored_without_a_line_hash_get_one_when_a_json_line_confirms_them(
    cli, generate, monkeypatch, new_database
):
    monkeypatch.setenv("ASSURED_INGEST_BULK_FROM_BYTES", BULK)
    csv_dir, jsonl = generate(businesses=40, seed=8, fmt="csv", name="c"), generate(businesses=40, seed=8, name="j")
    url = new_database("registry")
    assert cli("ingest", csv_dir / "registrations.csv").code == 0
    assert set(_line_hashes(url, "registrations")) == {None}
    [again] = cli("ingest", jsonl / "registrations.jsonl", "--json").json()
    assert (again["unchanged"], again["stored"], again["updated"]) == (40, 0, 0)
    hashes = _line_hashes(url, "registrations")
    assert None not in hashes and len(set(hashes)) == 40
    [third] = cli("ingest", jsonl / "registrations.jsonl", "--json").json()
    assert third["unchanged"] == 40 and _line_hashes(url, "registrations") == hashes
    get_settings.cache_clear()
