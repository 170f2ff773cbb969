"""`assured generate`: a synthetic province's record files."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from checks import calendar
from flows.commands.common import date_option, emit_json, fail
from registry.synth import Params
from registry.synth import generate as write_province

commands = typer.Typer()
GROUPS: tuple[typer.Typer, ...] = ()


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr when it is a terminal (stdout stays clean for --json)."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("businesses", total=total)
        yield lambda done: bar.update(task, completed=done)


@commands.command()
def generate(
    out: Annotated[Path, typer.Option(help="folder for <kind>.jsonl|csv, _manifest.json, _bad_rows.json")],
    businesses: Annotated[int, typer.Option(help="number of businesses")] = 1000,
    seed: Annotated[int, typer.Option(help="random seed: same arguments, same bytes")] = 1,
    bad_rows: Annotated[float, typer.Option(help="fraction of rows per file replaced by invalid ones")] = 0.0,
    as_of: Annotated[str | None, typer.Option(help="day the data stands on, YYYY-MM-DD (default today)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    as_json: Annotated[bool, typer.Option("--json", help="print the manifest as JSON")] = False,
    emerging: Annotated[
        list[str] | None,
        typer.Option(
            help="inject a rising problem TERM@YYYY-MM (its phrase, three industries, growing to as-of); repeatable"
        ),
    ] = None,
) -> None:
    """Write a Hubei-like province: registrations, penalties, complaints, credit lists and classes, applications."""
    day = date_option(as_of, "--as-of") or calendar.today()
    params = Params(businesses, seed, day, fmt, bad_rows, tuple(emerging or ()))
    started = time.perf_counter()
    with _progress(businesses) as advance:
        try:
            manifest = write_province(out, params, advance)
        except OSError as exc:
            fail(f"--out: cannot write {out} ({exc.strerror})")
    if as_json:
        emit_json(manifest)
        return
    seconds = time.perf_counter() - started
    total = sum(f["rows"] for f in manifest["files"].values())
    for f in manifest["files"].values():
        bad = f" ({f['bad_rows']:,} invalid)" if f["bad_rows"] else ""
        typer.echo(f"{f['file']:<24} {f['rows']:>12,} rows{bad}")
    typer.echo(f"{total:,} rows for {businesses:,} businesses in {out} ({seconds:.1f} s, as of {day})")
