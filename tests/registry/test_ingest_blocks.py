"""A large JSON Lines file is read in blocks of whole lines by several validation workers: it
stores, numbers and quarantines exactly what one process reading it line by line does."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

import registry.ingest
from registry.db import make_engine
from registry.ingest import _blocks
from registry.models import QuarantinedRow
from tests.conftest import table_dump
from tests.registry.test_ingest_bulk import _quarantine
from tests.registry.test_ingest_hardening import USCC, _complaint, _registration, _write


def _line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False)


def _awkward_file(path):
    """Hostile rows, blank lines, CRLF and lone CR line ends, a key repeated blocks apart and a
    line longer than a block."""
    lines = [
        _line(_complaint(1)) + "\n",
        "\n",
        _line(_complaint(2, category="质量\n投诉")) + "\r\n",  # a control character: quarantined
        _line(_complaint(3)) + "\r",  # a lone CR ends a line, as a text file splits it
        _line(_complaint(4, received_on="1948-12-31")) + "\n",
        "   \n",
        "{not json\n",
        *(_line(_complaint(10 + n)) + "\n" for n in range(30)),
        _line(_complaint(5, text="很长的说明" * 400)) + "\n",  # longer than a block
        _line(_complaint(1, text="再次提交")) + "\n",  # line 1's key again, blocks later
        _line(_complaint(6, uscc="91420102MA4K00010X")) + "\n",  # a wrong check digit
        _line(_complaint(7)),  # the last line has no line end
    ]
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return path


def _run(cli, monkeypatch, new_database, name: str, threshold: int, *runs) -> tuple:
    monkeypatch.setattr(registry.ingest, "PARALLEL_FROM_BYTES", threshold)
    monkeypatch.setenv("ASSURED_INGEST_BULK_FROM_BYTES", "0")
    url = new_database(name)
    counts = []
    for paths in runs:
        result = cli("ingest", *paths, "--json")
        assert result.code == 0, result.err
        counts += result.json()
    return counts, table_dump(url), _quarantine(url)


def test_blocks_read_by_workers_store_and_quarantine_what_one_reader_does(cli, tmp_path, monkeypatch, new_database):
    monkeypatch.setattr(registry.ingest, "BLOCK_BYTES", 600)
    registrations = _write(tmp_path / "registrations.jsonl", [_registration()])
    path = _awkward_file(tmp_path / "complaints.jsonl")
    again = tmp_path / "complaints-2.jsonl"  # a re-sync: known lines, a changed one, a repeat, a new one
    again.write_text(
        "".join(
            _line(r) + "\n"
            for r in [_complaint(11), _complaint(12, text="补充说明"), _complaint(11), _complaint(99), _complaint(13)]
        ),
        encoding="utf-8",
    )
    assert len(_cut(path)) >= 8

    runs = ([registrations, path], [path], [again])
    serial = _run(cli, monkeypatch, new_database, "serial", 1 << 40, *runs)
    parallel = _run(cli, monkeypatch, new_database, "blocks", 0, *runs)
    assert parallel == serial

    counts, _, quarantine = serial
    first, repeat, resync = counts[1:]
    assert (first["read"], first["stored"], first["quarantined"]) == (39, 34, 5)  # 41 lines, 2 blank
    assert (repeat["unchanged"], repeat["quarantined"]) == (34, 5)
    assert (resync["stored"], resync["updated"], resync["unchanged"], resync["quarantined"]) == (1, 1, 2, 1)
    lines = sorted({(line, field) for kind, line, field, *_ in quarantine if kind == "complaints"})
    resync_repeat = (3, "complaint_id")  # line 3 of the re-sync repeats its line 1
    assert lines == [
        (3, "category"),
        resync_repeat,
        (5, "received_on"),
        (7, "(line)"),
        (39, "complaint_id"),
        (40, "uscc"),
    ]


def test_a_bad_byte_in_a_block_refuses_the_whole_file_and_names_its_offset(cli, tmp_path, monkeypatch, new_database):
    monkeypatch.setattr(registry.ingest, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(registry.ingest, "BLOCK_BYTES", 500)
    url = new_database("bad-byte")
    assert cli("ingest", _write(tmp_path / "registrations.jsonl", [_registration(uscc=USCC)])).code == 0
    data = "".join(_line(_complaint(n)) + "\n" for n in range(40)).encode()
    at = data.index(b"\n", len(data) // 2) + 1
    path = tmp_path / "complaints.jsonl"
    path.write_bytes(data[:at] + b"\xff" + data[at:])
    result = cli("ingest", path)
    assert result.code == 2
    assert f"not UTF-8 text (invalid start byte at byte {at})" in result.err and "nothing from this file" in result.err
    assert table_dump(url)["complaints"] == []


def _cut(path: Path) -> list[bytes]:
    fd = os.open(path, os.O_RDONLY)
    try:
        return [os.pread(fd, length, offset) for offset, length in _blocks(fd, os.fstat(fd).st_size)]
    finally:
        os.close(fd)


@pytest.mark.parametrize("size", [1, 599, 600, 601, 5000, 1 << 20])
def test_blocks_end_only_after_a_line_end_and_cover_the_file(tmp_path, monkeypatch, size):
    monkeypatch.setattr(registry.ingest, "BLOCK_BYTES", size)
    path = _awkward_file(tmp_path / "complaints.jsonl")
    blocks = _cut(path)
    assert b"".join(blocks) == path.read_bytes()
    assert all(b.endswith(b"\n") for b in blocks[:-1]) and not blocks[-1].endswith(b"\n")
    assert all(len(b) >= size for b in blocks[:-1])
    assert all(b.rfind(b"\n", 0, len(b) - 1) < size - 1 for b in blocks[:-1])  # the first line end past the size


@pytest.mark.parametrize("threshold", [1 << 40, 0], ids=["one reader", "blocks"])
def test_the_same_file_by_another_path_quarantines_nothing_twice(cli, tmp_path, monkeypatch, new_database, threshold):
    monkeypatch.setattr(registry.ingest, "PARALLEL_FROM_BYTES", threshold)
    url = new_database("origin")
    assert cli("ingest", _write(tmp_path / "registrations.jsonl", [_registration()])).code == 0
    (tmp_path / "a").mkdir()
    path = _awkward_file(tmp_path / "a" / "complaints.jsonl")
    copy = tmp_path / "b" / "complaints.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    for source in (path, copy):
        assert cli("ingest", source).code == 0
    with make_engine(url).connect() as conn:
        origins = conn.execute(select(QuarantinedRow.origin, QuarantinedRow.source)).all()
    assert len(origins) == 5 and {o for o, _ in origins} == {f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"}
    assert {s for _, s in origins} == {str(path)}


def test_changed_rows_over_many_chunks_end_as_a_fresh_load_of_the_new_file(cli, tmp_path, monkeypatch, new_database):
    """An update batch (on PostgreSQL staged and merged by one UPDATE at the end) leaves the
    table as a first load of the new file would."""
    monkeypatch.setenv("ASSURED_INGEST_BULK_FROM_BYTES", "0")
    registrations = _write(tmp_path / "registrations.jsonl", [_registration()])
    old = [_complaint(n) for n in range(12_000)]  # three chunks of 5,000
    new = [
        r | {"amount_yuan": r["amount_yuan"] + n, "text": f"补充{n}"} if n % 3 == 0 else r for n, r in enumerate(old)
    ]
    new += [_complaint(20_000 + n) for n in range(10)]
    first, second = _write(tmp_path / "a" / "complaints.jsonl", old), _write(tmp_path / "b" / "complaints.jsonl", new)
    dumps, counts = [], []
    for name, paths in (("updated", (first, second)), ("fresh", (second,))):
        url = new_database(name)
        assert cli("ingest", registrations).code == 0
        counts.append([cli("ingest", path, "--json").json()[0] for path in paths])
        dumps.append(table_dump(url)["complaints"])
    update, fresh = counts[0][1], counts[1][0]
    assert (update["stored"], update["updated"], update["unchanged"]) == (10, 4_000, 8_000)
    assert (fresh["stored"], fresh["updated"], fresh["unchanged"]) == (12_010, 0, 0)
    assert dumps[0] == dumps[1] and len(dumps[0]) == 12_010


def test_a_first_load_leaves_every_index_and_the_unique_key_in_place(cli, tmp_path, monkeypatch, new_database):
    """A first load defers the secondary indexes (and, on PostgreSQL, the natural key's unique
    constraint) and rebuilds them in the same transaction: the schema is the models' again and
    the key still refuses a second row."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    import registry.workflow_models  # noqa: F401
    from registry.models import Base, Complaint

    monkeypatch.setenv("ASSURED_INGEST_BULK_FROM_BYTES", "0")
    url = new_database("rebuilt")
    assert cli("ingest", _write(tmp_path / "registrations.jsonl", [_registration()])).code == 0
    [counts] = cli("ingest", _write(tmp_path / "complaints.jsonl", [_complaint(n) for n in range(50)]), "--json").json()
    assert counts["stored"] == 50
    engine = make_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    row = _complaint(7) | {"row_hash": 1, "line_hash": None, "received_on": dt.date(2026, 3, 1), "closed_on": None}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(Complaint).values(**row))
