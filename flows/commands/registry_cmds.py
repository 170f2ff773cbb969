"""Registry commands: init, ingest, quarantine, sources, sync."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from checks.errors import Kind
from flows.commands.common import emit_json, fail
from registry.db import begin_write, open_registry, upgrade
from registry.ingest import IngestError, files_to_ingest, ingest_file
from registry.queries import quarantined_rows
from registry.records import INGEST_ORDER
from registry.settings import get_settings
from registry.sources import FaultPlan, SourceError, http_session, make_server, sync_kind

COUNT_COLUMNS = ("read", "stored", "updated", "unchanged", "quarantined")

commands = typer.Typer()
quarantine = typer.Typer(
    name="quarantine", help="Rows that failed validation, kept with where and why.", no_args_is_help=True
)
sources = typer.Typer(name="sources", help="HTTP record sources.", no_args_is_help=True)
GROUPS = (quarantine, sources)


def counts_table(title: str, rows: list[dict]) -> Table:
    table = Table(title=title)
    table.add_column("source", overflow="fold")
    table.add_column("kind")
    for name in COUNT_COLUMNS:
        table.add_column(name, justify="right")
    for r in rows:
        source = r["source"] if "://" in r["source"] else Path(r["source"]).name
        table.add_row(source, r["kind"], *(f"{r[n]:,}" for n in COUNT_COLUMNS))
    return table


@commands.command()
def init() -> None:
    """Create or upgrade the registry database to the newest schema (safe to repeat)."""
    settings = get_settings()
    rev = upgrade(settings.db_url)
    typer.echo(f"registry ready at {settings.db_url} (schema {rev})")


@commands.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help=".jsonl/.csv files or folders of them")],
    kind: Annotated[str | None, typer.Option(help="record kind; default from the file name")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable counts")] = False,
) -> None:
    """Validate and upsert record files; bad rows go to quarantine with line and reason."""
    plan = files_to_ingest(paths, kind)
    factory = open_registry(get_settings().db_url)
    results = []
    for path, k in plan:
        try:
            with begin_write(factory) as session:
                results.append(ingest_file(session, path, k).as_dict())
        except IngestError as exc:
            fail(f"{exc} (nothing from this file was stored)", exc.kind)
    if as_json:
        emit_json(results)
    else:
        Console().print(counts_table("ingest", results))


@quarantine.command("list")
def quarantine_list(
    kind: Annotated[str | None, typer.Option(help="only this record kind")] = None,
    limit: Annotated[int, typer.Option(help="at most this many rows")] = 100,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List quarantined rows: file, line, field, value and reason."""
    with open_registry(get_settings().db_url)() as session:
        rows = quarantined_rows(session, kind, limit)
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"quarantine ({len(rows)} shown)")
    for col in ("source", "line", "field", "value", "reason"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["source"], str(r["line"]), r["field"], r["value"], r["reason"])
    Console().print(table)


@sources.command("serve")
def sources_serve(
    folder: Annotated[Path, typer.Argument(help="folder of <kind>.jsonl files (e.g. from `assured generate`)")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0 picks a free one)")] = 8315,
    fail_first: Annotated[int, typer.Option(hidden=True, help="drill: answer 500 to the first N requests")] = 0,
    die_after: Annotated[int | None, typer.Option(hidden=True, help="drill: exit abruptly at request N")] = None,
) -> None:
    """Serve record files through the HTTP source contract (cursor pages, ?uscc=)."""
    if not folder.is_dir():
        fail(f"{folder}: no such folder", Kind.not_found)
    try:
        server = make_server(folder, host, port, FaultPlan(fail_first, die_after))
    except OSError as exc:  # the address is taken or not ours to bind
        fail(str(exc), Kind.unavailable)
    typer.echo(f"serving {folder} at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@commands.command()
def sync(
    base_url: Annotated[str | None, typer.Argument(help="source base URL (default ASSURED_SOURCE_URL)")] = None,
    kinds: Annotated[str | None, typer.Option(help="comma-separated kinds (default all)")] = None,
    page_size: Annotated[int | None, typer.Option(help="records per request")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pull records from an HTTP source; resumes from its cursor after an interruption."""
    settings = get_settings()
    base = base_url or settings.source_url
    if not base:
        fail("no source: give BASE_URL or set ASSURED_SOURCE_URL")
    wanted = [k.strip() for k in kinds.split(",")] if kinds else list(INGEST_ORDER)
    unknown = [k for k in wanted if k not in INGEST_ORDER]
    if unknown:
        fail(f"--kinds: unknown kind {unknown[0]!r}; known kinds: {', '.join(INGEST_ORDER)}")
    factory = open_registry(settings.db_url)
    http = http_session(settings.http_retries)
    results = []
    for kind in sorted(wanted, key=INGEST_ORDER.index):
        try:
            counts = sync_kind(factory, http, base, kind, page_size or settings.sync_page_size, settings.http_timeout)
        except SourceError as exc:
            fail(f"{exc}; stored pages are kept, re-run `assured sync` to resume", exc.kind)
        results.append(counts.as_dict())
    if as_json:
        emit_json(results)
    else:
        Console().print(counts_table(f"sync {base}", results))
