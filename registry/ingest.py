"""Validated, idempotent ingest of record rows from JSON Lines and CSV files.

Every row is validated; a bad row is quarantined with its line, field, value and
reason, never dropped and never half-stored. Good rows are upserted by natural
key, so re-ingesting the same file changes nothing. For every run
`read == stored + updated + unchanged + quarantined`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import hashlib
import importlib.util
import io
import json
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from checks import errors
from checks.calendar import today
from checks.inspections import checklist_dates
from checks.policy import PROGRAMS, load_policy
from registry import models
from registry.bulk import BulkValidator
from registry.records import INGEST_ORDER, KINDS, Kind, row_hash
from registry.settings import Settings, get_settings
from registry.upsert import Upserter

CHUNK = 5000
SUFFIXES = (".jsonl", ".csv")


class IngestError(errors.AssuredError):
    """A whole file cannot be ingested (unreadable, unknown kind, wrong columns)."""

    kind = errors.Kind.bad_input


@dataclass
class Counts:
    source: str
    kind: str
    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    run_id: int | None = None

    def add(self, other: Counts) -> None:
        for name in ("read", "stored", "updated", "unchanged", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def balanced(self) -> bool:
        return self.read == self.stored + self.updated + self.unchanged + self.quarantined

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Rejected:
    line: int
    field: str
    value: str
    reason: str
    raw: str


@dataclass(slots=True)
class Row:
    """One line of input: its number, its raw text, and either JSON text or a mapping."""

    line: int
    raw: str
    json_text: str | None = None
    mapping: dict | None = field(default=None)
    line_hash: int | None = None  # set by line_hasher


@dataclass(slots=True)
class Known:
    """A line a re-ingest skips: the same JSON, under the same rules, as a stored row (its key)."""

    key: Any


def kind_of(path: Path, explicit: str | None = None) -> Kind:
    if explicit:
        if explicit not in KINDS:
            raise IngestError(f"unknown kind {explicit!r}; known kinds: {', '.join(KINDS)}")
        return KINDS[explicit]
    stem = path.name.split(".", 1)[0]
    for name in sorted(KINDS, key=len, reverse=True):
        if stem == name or stem.startswith(name + "-") or stem.startswith(name + "_"):
            return KINDS[name]
    raise IngestError(f"{path}: cannot tell the kind from the file name; use --kind ({', '.join(KINDS)})")


def files_to_ingest(paths: Iterable[Path], explicit: str | None = None) -> list[tuple[Path, Kind]]:
    """Expand folders to their known record files (in dependency order); check every path first."""
    out: list[tuple[Path, Kind]] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in sorted(path.iterdir()) if p.suffix in SUFFIXES and _known(p)]
            if not found:
                raise IngestError(f"{path}: no record files ({', '.join(KINDS)} as .jsonl or .csv)")
            found.sort(key=lambda p: INGEST_ORDER.index(kind_of(p).name))
            out.extend((p, kind_of(p)) for p in found)
        elif not path.is_file():
            raise IngestError(f"{path}: no such file")
        elif path.suffix not in SUFFIXES:
            raise IngestError(f"{path}: unsupported format {path.suffix!r}; use .jsonl or .csv")
        else:
            out.append((path, kind_of(path, explicit)))
    return out


def _known(path: Path) -> bool:
    try:
        kind_of(path)
        return True
    except IngestError:
        return False


def read_rows(path: Path, kind: Kind) -> Iterator[Row]:
    """Yield the data rows of a file; raise IngestError when it cannot be read at all."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            if path.suffix == ".jsonl":
                yield from _json_rows(fh, 1)
            else:
                yield from _csv_rows(fh, path, kind)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: {_not_utf8(exc)}") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None


def _json_rows(lines: Iterable[str], first: int) -> Iterator[Row]:
    """The rows of JSON lines (as a text file opened with newline="" splits them), numbered
    from `first`; blank lines are skipped but counted."""
    for n, line in enumerate(lines, first):
        if line.strip():
            yield Row(n, line.rstrip("\n"), json_text=line)


def _csv_rows(fh, path: Path, kind: Kind) -> Iterator[Row]:
    reader = csv.reader(fh)
    header = next(reader, None)
    if header is None:
        return
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in kind.fields]
    missing = [f for f in kind.fields if f not in header and kind.record.model_fields[f].is_required()]
    if unknown or missing:
        parts = ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing column(s) {', '.join(missing)}"] if missing else []
        )
        raise IngestError(f"{path}: {'; '.join(parts)} for kind {kind.name}")
    as_json = kind.json_fields
    for cells in reader:
        n = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        raw = ",".join(cells)
        if len(cells) != len(header):
            yield Row(n, raw, mapping={"__cells__": f"{len(cells)} cells, header has {len(header)}"})
            continue
        mapping: dict = {}
        for name, cell in zip(header, cells):
            if cell == "":
                mapping[name] = None
            elif name in as_json and cell[:1] in "[{":
                try:
                    mapping[name] = json.loads(cell)
                except json.JSONDecodeError:
                    mapping[name] = cell
            else:
                mapping[name] = cell
        yield Row(n, raw, mapping=mapping)


def _rejection(row: Row, exc: ValidationError) -> Rejected:
    errors = exc.errors(include_url=False)
    first = errors[0]
    field_name = ".".join(str(p) for p in first["loc"]) or "(line)"
    value = first.get("input")
    if first["type"] == "json_invalid" or not first["loc"]:
        value = row.raw
    reason = "; ".join((".".join(str(p) for p in e["loc"]) + ": " if e["loc"] else "") + e["msg"] for e in errors)
    return Rejected(row.line, field_name, _short(value), reason, row.raw)


def _short(value, limit: int = 500) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def validate(rows: Iterable[Row], kind: Kind, context: dict) -> Iterator[tuple[Row, tuple | Rejected]]:
    """Pair each row with its column values and their row hash, or with why it was rejected."""
    model = kind.record
    for row in rows:
        try:
            if row.json_text is not None:
                rec = model.model_validate_json(row.json_text, context=context)
            elif row.mapping is not None and "__cells__" in row.mapping:
                yield row, Rejected(row.line, "(line)", _short(row.raw), row.mapping["__cells__"], row.raw)
                continue
            else:
                rec = model.model_validate(row.mapping, context=context)
        except ValidationError as exc:
            yield row, _rejection(row, exc)
            continue
        values = kind.columns(rec)
        yield row, values + (row_hash(values),)


_BULK: dict[str, BulkValidator] = {}


def bulk_validator(kind: Kind) -> BulkValidator:
    if kind.name not in _BULK:
        _BULK[kind.name] = BulkValidator(kind)
    return _BULK[kind.name]


def validate_chunk(rows: list[Row], kind: Kind, context: dict, bulk: bool = False) -> list[tuple | Rejected]:
    """Each row's column values and row hash, or why it was rejected. With `bulk`, the chunk is
    validated in batch (registry.bulk): the same results, the rows a batch check refuses
    validated again one by one by the record model for their exact rejection."""
    with _collector_paused():
        return _validated(rows, kind, context, bulk)


def _validated(rows: list[Row], kind: Kind, context: dict, bulk: bool) -> list[tuple | Rejected]:
    validator = bulk_validator(kind) if bulk else None
    if validator is None or not validator.exact:
        return [result for _, result in validate(rows, kind, context)]
    records, again = validator.records(rows, context)
    out: list[tuple | Rejected] = []
    columns = kind.columns
    for i, (row, rec) in enumerate(zip(rows, records)):
        if rec is None or i in again:
            out.extend(result for _, result in validate([row], kind, context))
        else:
            values = columns(rec)
            out.append(values + (row_hash(values),))
    return out


def _validate_chunk(kind_name: str, rows: list[tuple], context: dict, bulk: bool) -> list[tuple | Rejected]:
    """In the validation worker: `rows` as plain tuples (they pickle several times faster), a
    JSON line as (number, text) — its raw text is the line without its newline."""
    return validate_chunk(
        [Row(r[0], r[1].rstrip("\n"), json_text=r[1]) if len(r) == 2 else Row(*r) for r in rows],
        KINDS[kind_name],
        context,
        bulk,
    )


def _plain_rows(rows: list[Row]) -> list[tuple]:
    return [(r.line, r.json_text) if r.json_text is not None else (r.line, r.raw, None, r.mapping) for r in rows]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection in the block. Validating a chunk allocates hundreds of
    thousands of objects, nearly all freed by their reference counts; the collections their
    allocation triggers each walk the chunk's live objects again — a third of the validation
    time of a chunk, measured. The objects that existed before the block are frozen for the
    collector once (gc.freeze, by the validation worker) and it runs again as usual after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _exit_with_parent(parent: int) -> None:
    """In the validation worker: end when the ingest that started it is gone, even by kill -9
    (a forked worker holds both ends of its pipes, so it would wait on them for ever). The heap
    it inherits is frozen for the garbage collector (see _collector_paused)."""
    gc.freeze()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _split_known(chunk: list[Row], known: Callable[[Row], Known | None] | None) -> tuple[list[Row], dict[int, Known]]:
    if known is None:
        return chunk, {}
    skipped: dict[int, Known] = {}
    todo: list[Row] = []
    for i, row in enumerate(chunk):
        k = known(row)
        if k is None:
            todo.append(row)
        else:
            skipped[i] = k
    return todo, skipped


def _merge_known(chunk: list[Row], skipped: dict[int, Known], results: list) -> list:
    if not skipped:
        return results
    checked = iter(results)
    return [skipped[i] if i in skipped else next(checked) for i in range(len(chunk))]


def validated_chunks(
    rows: Iterable[Row],
    kind: Kind,
    context: dict,
    parallel: bool,
    bulk: bool = False,
    known: Callable[[Row], Known | None] | None = None,
) -> Iterator[tuple[list[Row], list[tuple | Rejected | Known]]]:
    """Chunks of rows with their validation results. With `parallel`, a worker process validates
    the next chunks while this process writes the current one (validation is CPU-bound Python;
    writing waits on SQLite), so the two overlap on a 2-core machine; the worker ends with us."""
    if bulk:
        bulk_validator(kind)  # built once, before a worker forks
    if not parallel:
        for chunk in _chunks(rows, CHUNK):
            todo, skipped = _split_known(chunk, known)
            yield chunk, _merge_known(chunk, skipped, validate_chunk(todo, kind, context, bulk) if todo else [])
        return
    with ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("fork"), initializer=_exit_with_parent, initargs=(os.getpid(),)
    ) as pool:
        pending: deque = deque()
        for chunk in _chunks(rows, CHUNK):
            todo, skipped = _split_known(chunk, known)
            pending.append((chunk, skipped, pool.submit(_validate_chunk, kind.name, _plain_rows(todo), context, bulk)))
            if len(pending) > 2:
                chunk, skipped, future = pending.popleft()
                yield chunk, _merge_known(chunk, skipped, future.result())
        while pending:
            chunk, skipped, future = pending.popleft()
            yield chunk, _merge_known(chunk, skipped, future.result())


Batch = tuple[list[int], list, Callable[[int], str]]
"""A chunk's line numbers, each row's result (its stored values ending with row and line hash,
a Rejected, or a Known) and the raw text of its i-th row (wanted only for a duplicate)."""


def _row_batches(
    rows: Iterable[Row],
    kind: Kind,
    context: dict,
    parallel: bool,
    bulk: bool,
    stored: dict[int, Any] | None,
) -> Iterator[Batch]:
    """Batches of rows read in this process (CSV, an HTTP page, a small file)."""
    hasher = line_hasher(context)
    known = _known_lines(stored, hasher) if stored is not None else None
    for chunk, checked in validated_chunks(rows, kind, context, parallel, bulk, known):
        results = [
            r + (row.line_hash if known else hasher(row),) if r.__class__ is tuple else r
            for row, r in zip(chunk, checked)
        ]
        yield [row.line for row in chunk], results, _raw_of(chunk)


def _raw_of(chunk: list[Row]) -> Callable[[int], str]:
    return lambda i: chunk[i].raw


BLOCK_BYTES = 1 << 20  # ≈ 3,000 complaint lines a block
_FILE: dict[str, Any] = {}  # in a block worker: the file's descriptor and the stored line hashes


def _line_count(block: bytes) -> int:
    """Lines that end in `block` as a text file opened with newline="" splits them (\n, \r\n, \r)."""
    n = block.count(b"\n")
    return n + block.count(b"\r") - block.count(b"\r\n") if b"\r" in block else n


def _blocks(fd: int, size: int) -> Iterator[tuple[int, int]]:
    """(byte offset, length) of consecutive blocks of whole lines of an open file: each ends
    with the first line end at or after BLOCK_BYTES (the last one, at the end of the file)."""
    start = 0
    while start < size:
        end = min(start + BLOCK_BYTES, size)
        while end < size and os.pread(fd, 1, end - 1) != b"\n":
            window = os.pread(fd, 1 << 16, end)
            cut = window.find(b"\n")
            end = min(end + (cut + 1 if cut >= 0 else len(window)), size)
            if cut >= 0:
                break
        yield start, end - start
        start = end


def _block_rows(first: int, text: str) -> list[Row]:
    return list(_json_rows(io.StringIO(text, newline=""), first))


def _not_utf8(exc: UnicodeDecodeError, offset: int = 0) -> str:
    return f"not UTF-8 text ({exc.reason} at byte {offset + exc.start})"


def _block_worker(parent: int, fd: int, stored: dict[int, Any] | None) -> None:
    _FILE.update(fd=fd, stored=stored)  # inherited by the fork, not copied through a pipe
    _exit_with_parent(parent)


def _validate_block(kind_name: str, offset: int, length: int, context: dict, bulk: bool) -> str | tuple:
    """In a block worker: read the block and give its number of lines, its rows' line numbers
    within it (from 0), their results (see Batch) — a stored line's hash standing for its
    result: the ingest decides, in file order, whether it is skipped — or why it cannot be read."""
    block = os.pread(_FILE["fd"], length, offset)
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(exc, offset)
    rows = _block_rows(0, text)
    hasher = line_hasher(context)
    stored = _FILE["stored"]
    results: list = [hasher(row) for row in rows]
    todo = [i for i, h in enumerate(results) if stored is None or h not in stored]
    checked = validate_chunk([rows[i] for i in todo], KINDS[kind_name], context, bulk)
    for i, r in zip(todo, checked):
        results[i] = r + (rows[i].line_hash,) if r.__class__ is tuple else r
    return _line_count(block), [row.line for row in rows], results


def _block_batches(
    path: Path, kind: Kind, context: dict, bulk: bool, stored: dict[int, Any] | None, workers: int
) -> Iterator[Batch]:
    """Batches of a JSON Lines file that `workers` processes read, decode, split, validate and
    hash, a block of whole lines each, while this process writes; in file order. This process
    only finds where blocks end and numbers their lines."""
    if bulk:
        bulk_validator(kind)  # built once, before the workers fork
    seen: set[int] = set()
    seen_add = seen.add
    stored_key = (stored or {}).__getitem__  # a stored line's natural key
    first = 1

    def settle(fd: int, offset: int, length: int, out: str | tuple) -> Batch:
        nonlocal first
        if isinstance(out, str):
            raise IngestError(f"{path}: {out}")
        count, within, results = out
        base, first = first, first + count
        rows: list[Row] = []

        def row(i: int) -> Row:  # a duplicate's raw text, a repeated stored line: rare
            if not rows:
                rows.extend(_block_rows(base, os.pread(fd, length, offset).decode("utf-8")))
            return rows[i]

        for i, r in enumerate(results):
            cls = r.__class__
            if cls is int:  # a stored line: skipped the first time the file has it
                if r not in seen:
                    seen_add(r)
                    results[i] = Known(stored_key(r))
                else:
                    [checked] = validate_chunk([row(i)], kind, context, bulk)
                    results[i] = checked + (r,) if checked.__class__ is tuple else checked
            elif cls is Rejected:
                r.line += base
        return [base + n for n in within], results, lambda i: row(i).raw

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_block_worker,
            initargs=(os.getpid(), fd, stored),
        ) as pool:
            pending: deque = deque()
            try:
                for offset, length in _blocks(fd, os.fstat(fd).st_size):
                    pending.append(
                        (offset, length, pool.submit(_validate_block, kind.name, offset, length, context, bulk))
                    )
                    if len(pending) > 2 * workers:
                        offset, length, future = pending.popleft()
                        yield settle(fd, offset, length, future.result())
                while pending:
                    offset, length, future = pending.popleft()
                    yield settle(fd, offset, length, future.result())
            except OSError as exc:
                raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
            finally:
                for *_, future in pending:
                    future.cancel()
    finally:
        os.close(fd)


def insert_ignoring_duplicates(conn: Connection, table, rows: list[dict]) -> None:
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(table).on_conflict_do_nothing(), rows)


def uscc_overrides(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(models.UsccOverride.uscc)))


def ingest_context(session: Session, settings: Settings) -> dict:
    """What row validation needs from outside the row: USCC overrides, the latest date a record
    may carry (the ingest date plus a day), the largest amount and each programme's inspection
    checklists by date (an inspection's item ids must be in the one in force on its date)."""
    return {
        "uscc_overrides": uscc_overrides(session),
        "latest_day": today() + dt.timedelta(days=1),
        "max_amount_yuan": settings.max_amount_yuan,
        "checklists": {p: checklist_dates(load_policy(p).parameters) for p in PROGRAMS},
    }


class Duplicates:
    """Natural keys seen earlier in one file, by their 64-bit hash (SipHash: as good a digest as
    any other 64 bits, and in-process only), with the line that had each."""

    def __init__(self, kind: Kind):
        self.kind = kind
        self.key_idx = [kind.fields.index(k) for k in kind.key]
        self.first_line: dict[int, int] = {}

    def later(self, lines: list[int], results: list, raw_of: Callable[[int], str]) -> list:
        """`results` with each row whose key an earlier line of the file had turned into a rejection."""
        out: list[tuple | Rejected] = []
        first_line = self.first_line
        key_of = itemgetter(*self.key_idx)  # a key's value, or a tuple of them for a composite key
        for i, (line, result) in enumerate(zip(lines, results)):
            if result.__class__ is not Rejected:
                key = result.key if result.__class__ is Known else key_of(cast(tuple, result))
                first = first_line.setdefault(hash(key), line)
                if first != line:
                    names = ", ".join(self.kind.key)
                    value = ", ".join(map(str, key if len(self.key_idx) > 1 else (key,)))
                    result = Rejected(line, names, value, f"duplicate of line {first} (same {names})", raw_of(i))
            out.append(result)
        return out


def ingest_rows(
    session: Session,
    rows: Iterable[Row],
    kind: Kind,
    source: str,
    context: dict | None = None,
    run: models.IngestRun | None = None,
    parallel: bool = False,
    origin: str | Future[str] | None = None,
    bulk: bool = False,
    blocks_of: Path | None = None,
) -> Counts:
    """Validate and upsert rows inside the caller's transaction; quarantine the bad ones, and a
    row whose natural key an earlier line had (naming that line). `origin` identifies the input
    for its quarantined rows (a file's content hash: the same file by another path adds nothing).
    `bulk` is the path for first loads and large files: rows validated in batch (registry.bulk)
    and, into a table empty when the run began, inserted without looking up their keys (the
    table had none, and a key repeated in the file is quarantined as a duplicate).
    `blocks_of`: the JSON Lines file `rows` are read from, to be read instead in blocks by
    validation workers (`parallel`; see _block_batches)."""
    if context is None:
        context = ingest_context(session, get_settings())
    if run is None:
        run = models.IngestRun(source=source, kind=kind.name)
        session.add(run)
        session.flush()
    counts = Counts(source, kind.name, run_id=run.id)
    conn = session.connection()
    upserter = Upserter(conn, kind)
    rebuild_indexes = upserter.defer_indexes_if_empty()
    fresh = bulk and upserter.empty
    stored_lines = upserter.known_lines() if bulk and not upserter.empty else None
    batches = (
        _block_batches(blocks_of, kind, context, bulk, stored_lines, _workers())
        if blocks_of is not None and parallel
        else _row_batches(rows, kind, context, parallel, bulk, stored_lines)
    )
    duplicates = Duplicates(kind)
    where: dict[str, Any] = {"run_id": run.id, "source": source, "kind": kind.name}
    for lines, checked, raw_of in batches:
        with _collector_paused():
            results = duplicates.later(lines, checked, raw_of)
            good = [r for r in results if r.__class__ is tuple]
            rejected = [r for r in results if r.__class__ is Rejected]
            if rejected and "origin" not in where:  # a file's content hash, computed meanwhile
                where["origin"] = (origin.result() if isinstance(origin, Future) else origin) or source
            bad = [where | {"raw_hash": row_hash((r.raw,)), **asdict(r)} for r in rejected]
            counts.read += len(results)
            counts.quarantined += len(bad)
            counts.unchanged += sum(1 for r in results if r.__class__ is Known)
            if good:
                stored, updated, unchanged = upserter.write(good, fresh=fresh)
                counts.stored, counts.updated = counts.stored + stored, counts.updated + updated
                counts.unchanged += unchanged
            if bad:
                insert_ignoring_duplicates(conn, models.QuarantinedRow.__table__, bad)
    upserter.finish()
    rebuild_indexes()
    for name in ("read", "stored", "updated", "unchanged", "quarantined"):
        setattr(run, name, getattr(run, name) + getattr(counts, name))
    run.finished_at = dt.datetime.now(dt.UTC)
    return counts


PARALLEL_FROM_BYTES = 8 << 20
MAX_WORKERS = 4  # a worker needs ≈ 15 µs a row, the writing process ≈ 10: past this, the writer bounds a load


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


# Whatever decides whether a JSON line is valid and what it stores, besides the line itself:
# a change to any of these modules makes every line new to the next re-ingest.
RULES = (
    "registry.records",
    "registry.bulk",
    "checks.uscc",
    "checks.plaintext",
    "checks.inspections",
    "checks.evidence",
)


@functools.cache
def _rules_digest() -> bytes:
    digest = hashlib.blake2b(digest_size=32)
    for name in RULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        digest.update(Path(spec.origin).read_bytes())
    return digest.digest()


def line_hasher(context: dict) -> Callable[[Row], int | None]:
    """A row's line hash: a signed 64-bit keyed digest of its JSON text, the key standing for
    the rules (RULES) and the context it is validated under (USCC overrides, the amount
    ceiling, the checklists) — not the latest day, which only moves forward, so a line once
    valid stays valid. None for a row from CSV (its cells are not one text: always validated)."""
    context_text = repr(
        (
            sorted((context or {}).get("uscc_overrides", ())),
            (context or {}).get("max_amount_yuan"),
            sorted(
                (p, [(d.isoformat(), sorted(ids)) for d, ids in dated])
                for p, dated in ((context or {}).get("checklists") or {}).items()
            ),
        )
    )
    key = hashlib.blake2b(_rules_digest() + context_text.encode(), digest_size=32).digest()
    keyed = hashlib.blake2b(digest_size=8, key=key)  # copied per line: cheaper than keying anew

    def of(row: Row) -> int | None:
        if row.json_text is None:
            return None
        digest = keyed.copy()
        digest.update(row.raw.encode())
        row.line_hash = int.from_bytes(digest.digest(), "big", signed=True)
        return row.line_hash

    return of


def _known_lines(stored: dict[int, Any], hasher: Callable[[Row], int | None]) -> Callable[[Row], Known | None]:
    """Which rows a re-ingest skips: a line whose hash a stored row has, the first time the file
    has it (a repeat is validated, and quarantined as the duplicate it is)."""
    seen: set[int] = set()

    def known(row: Row) -> Known | None:
        h = hasher(row)
        if h is None or h not in stored or h in seen:
            return None
        seen.add(h)
        return Known(stored[h])

    return known


def content_hash(path: Path) -> str:
    """`sha256:<hex>` of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
    return f"sha256:{digest.hexdigest()}"


def ingest_file(session: Session, path: Path, kind: Kind, bulk: bool | None = None) -> Counts:
    """Ingest one file in the caller's transaction (all of it or, on an unreadable file, none).
    Files from `Settings.ingest_bulk_from_bytes` (1 MiB) take the bulk path (`bulk` forces
    it either way); files past 8 MiB are validated by worker processes alongside the writes
    (a JSON Lines file read by them in blocks)."""
    size = path.stat().st_size
    settings = get_settings()
    if bulk is None:
        bulk = size >= settings.ingest_bulk_from_bytes
    parallel = size >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) > 1
    rows = read_rows(path, kind)
    context = ingest_context(session, settings)
    with ThreadPoolExecutor(1, thread_name_prefix="content-hash") as hashing:  # hashlib frees the GIL
        origin = hashing.submit(content_hash, path)
        counts = ingest_rows(
            session,
            rows,
            kind,
            str(path),
            context,
            parallel=parallel,
            origin=origin,
            bulk=bulk,
            blocks_of=path if path.suffix == ".jsonl" else None,
        )
        origin.result()  # a file that could not be read whole is refused, even without bad rows
    return counts
