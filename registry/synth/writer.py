"""Write a province to `<kind>.jsonl` or `<kind>.csv` files, streaming, with optional bad rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from checks.errors import AssuredError, Kind
from registry.synth.emerging import Emerging, EmergingError
from registry.synth.faults import FAULTS, corrupt
from registry.synth.province import FIELDS, Province

FORMATS = ("jsonl", "csv")
MAX_BUSINESSES = 100_000_000  # organisation bodies are unique up to 10^8 businesses
FLUSH_EVERY = 250  # businesses between writes: well under a MiB of encoded lines, as a rule
# Fields that may be null, a list or an object; every other field is a plain string or a number.
STRUCTURED = {
    *("odr_enrolled_on", "kinds", "repaired_on", "revoked_on", "closed_on", "removed_on", "commitments"),
    *("items", "photos", "within_commitment", "text", "note"),
}
NUMBERS = {"fine_yuan", "amount_yuan", "recovered_yuan", "stars"}
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class GenerateError(AssuredError, ValueError):
    """Parameters or an output folder that cannot give a province."""

    kind = Kind.bad_input


@dataclass(frozen=True)
class Params:
    businesses: int
    seed: int
    as_of: dt.date
    format: str = "jsonl"
    bad_rows: float = 0.0
    emerging: tuple[str, ...] = ()  # TERM@YYYY-MM specs (registry.synth.emerging)

    def check(self) -> None:
        if not 1 <= self.businesses <= MAX_BUSINESSES:
            raise GenerateError(f"businesses: {self.businesses} is outside 1..{MAX_BUSINESSES:,}")
        if self.format not in FORMATS:
            raise GenerateError(f"format: {self.format!r} is not one of {', '.join(FORMATS)}")
        if not 0.0 <= self.bad_rows <= 1.0:
            raise GenerateError(f"bad_rows: {self.bad_rows} is not a fraction between 0 and 1")
        if self.as_of < dt.date(2000, 1, 1):
            raise GenerateError(f"as_of: {self.as_of} is before 2000-01-01")
        self.problems()

    def problems(self) -> tuple[Emerging, ...]:
        try:
            return tuple(Emerging.parse(spec, self.as_of) for spec in self.emerging)
        except EmergingError as exc:
            raise GenerateError(str(exc)) from None


def _structured(value: Any) -> str:
    if value is None:
        return "null"
    return f'"{value}"' if value.__class__ is str else _compact(value)


def jsonl_encoder(fields: tuple[str, ...]) -> Callable[[tuple], str]:
    """One JSON line from a row's values by a fixed template (values are JSON-safe by construction)."""
    parts = []
    for f in fields:
        slot = "%s" if f in STRUCTURED else ("%r" if f in NUMBERS else '"%s"')
        parts.append(f'"{f}":{slot}')
    template = "{" + ",".join(parts) + "}\n"
    structured = [i for i, f in enumerate(fields) if f in STRUCTURED]
    if not structured:
        return template.__mod__

    def encode(values: tuple) -> str:
        v = list(values)
        for i in structured:
            v[i] = _structured(v[i])
        return template % tuple(v)

    return encode


def csv_cells(fields: tuple[str, ...]) -> Callable[[tuple], tuple]:
    """CSV cells: null as an empty cell, lists and objects as compact JSON text."""
    structured = [i for i, f in enumerate(fields) if f in STRUCTURED]

    def cells(values: tuple) -> tuple:
        v = list(values)
        for i in structured:
            x = v[i]
            v[i] = "" if x is None else (x if x.__class__ is str else _compact(x))
        return tuple(v)

    return cells


class Sink:
    """One output file: encodes rows into a buffer and, at the bad-row fraction, a broken row instead.

    `flush()` writes the buffer out; the generator calls it every `FLUSH_EVERY` businesses.
    """

    def __init__(self, folder: Path, kind: str, params: Params):
        self.kind, self.fields = kind, FIELDS[kind]
        self.path = folder / f"{kind}.{params.format}"
        self.part = self.path.with_name(self.path.name + ".part")
        self.fh = self.part.open("w", encoding="utf-8", newline="", buffering=1 << 18)
        self.csv = params.format == "csv"
        self.rows = 0  # rows flushed so far
        self.buffer: list = []
        append = self.buffer.append
        if self.csv:
            self.writer = csv.writer(self.fh, lineterminator="\n")
            self.writer.writerow(self.fields)
            self.encode: Callable[[tuple], str | tuple] = csv_cells(self.fields)
            self.first_line = 2
        else:
            self.encode = jsonl_encoder(self.fields)
            self.first_line = 1
        encode = self.encode
        self.fraction = params.bad_rows
        # Own stream per file: bad rows never shift the good data, and the phase differs per file.
        self.bad_rng = random.Random(f"{params.seed}:bad:{kind}")
        self.debt = self.bad_rng.random()
        self.bad_lines = array("q")
        self.bad_faults = bytearray()
        self.bad_fields: list[str] = []
        self.write: Callable[[tuple], None] = (
            self._write_some_bad if self.fraction else lambda values: append(encode(values))
        )

    def _write_some_bad(self, values: tuple) -> None:
        self.debt += self.fraction
        if self.debt < 1.0:
            self.buffer.append(self.encode(values))
            return
        self.debt -= 1.0
        fault, field, rec = corrupt(self.kind, dict(zip(self.fields, values)), self.bad_rng)
        self.bad_lines.append(self.first_line + self.rows + len(self.buffer))
        self.bad_faults.append(FAULTS.index(fault))
        self.bad_fields.append(field)
        if self.csv:
            cells = self.encode(tuple(rec.get(f) for f in self.fields))
            self.buffer.append(cells[: len(cells) // 2] if fault == "not_json" else cells)
        else:
            line = _compact(rec)
            self.buffer.append((line[: len(line) // 2] if fault == "not_json" else line) + "\n")

    def flush(self) -> None:
        if self.csv:
            self.writer.writerows(self.buffer)
        else:
            self.fh.write("".join(self.buffer))
        self.rows += len(self.buffer)
        self.buffer.clear()

    def bad_entries(self) -> Iterator[dict]:
        for line, fault, field in zip(self.bad_lines, self.bad_faults, self.bad_fields):
            yield {"line": line, "fault": FAULTS[fault], "field": field}

    def close(self) -> None:
        self.flush()
        self.fh.close()
        os.replace(self.part, self.path)


def generate(out: Path, params: Params, progress: Callable[[int], object] | None = None) -> dict:
    """Write every record file for `params` into `out`; return the manifest (also written there).

    `progress(done)` is called with the number of businesses written so far, after each batch.
    """
    params.check()
    other = [f"{k}.{fmt}" for k in FIELDS for fmt in FORMATS if fmt != params.format and (out / f"{k}.{fmt}").exists()]
    if other:
        raise GenerateError(f"out: {out} already holds {other[0]} in another format; use an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    sinks = {kind: Sink(out, kind, params) for kind in FIELDS}
    try:
        business = Province(
            params.seed, params.as_of, {kind: sink.write for kind, sink in sinks.items()}, params.problems()
        ).business
        for start in range(0, params.businesses, FLUSH_EVERY):
            for i in range(start, min(start + FLUSH_EVERY, params.businesses)):
                business(i)
            for sink in sinks.values():
                sink.flush()
            if progress:
                progress(min(start + FLUSH_EVERY, params.businesses))
    except BaseException:
        for sink in sinks.values():
            sink.fh.close()
            sink.part.unlink(missing_ok=True)
        raise
    for sink in sinks.values():
        sink.close()
    _write_sidecar(out / "_bad_rows.json", sinks)
    parameters = {**asdict(params), "as_of": params.as_of.isoformat()}
    if not params.emerging:  # a plain province's manifest stays as it always was
        del parameters["emerging"]
    manifest = {
        "parameters": parameters,
        "files": {k: {"file": s.path.name, "rows": s.rows, "bad_rows": len(s.bad_lines)} for k, s in sinks.items()},
    }
    (out / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_sidecar(path: Path, sinks: dict[str, Sink]) -> None:
    """`{kind: [{"line", "fault", "field"}, ...]}`, one entry a line, without building it in memory."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("{")
        for n, (kind, sink) in enumerate(sinks.items()):
            fh.write(f'{"," if n else ""}\n  "{kind}": [')
            for i, entry in enumerate(sink.bad_entries()):
                fh.write(("," if i else "") + "\n    " + json.dumps(entry, ensure_ascii=False))
            fh.write("\n  ]" if sink.bad_lines else "]")
        fh.write("\n}\n")
