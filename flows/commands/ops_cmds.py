"""Operating an instance: `assured doctor` (what the set-up lacks, each with its fix), `assured backup`
and `assured restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.commands.common import emit_json
from registry.settings import get_settings

commands = typer.Typer()
GROUPS: tuple[typer.Typer, ...] = ()


@commands.command()
def doctor(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check what this instance needs (database at the migrations' head, registry data, signing keys,
    writable folders, the CJK font, Prefect, public addresses, SMTP): one line per check with its fix;
    exit 1 when any fails."""
    from registry.doctor import run_all  # the font check loads reportlab: only when the doctor runs

    checks = run_all(get_settings())
    if as_json:
        emit_json([c.__dict__ for c in checks])
    else:
        for c in checks:
            typer.echo(c.line())
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@commands.command()
def backup(
    folder: Annotated[Path, typer.Argument(help="a new or empty folder for the backup")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Back up the registry (SQLite's online backup, or pg_dump), the key ring, the stored documents
    and the outbox, with manifest.json holding every file's SHA-256 and every table's row count."""
    from registry.backup import backup as make_backup  # with the doctor's module: only when it runs

    manifest = make_backup(get_settings(), folder)
    if as_json:
        emit_json({k: v for k, v in manifest.items() if k != "files"} | {"files": len(manifest["files"])})
        return
    rows = sum(manifest["counts"].values())
    typer.echo(f"backup in {folder}: {len(manifest['files'])} files, {rows} rows in {len(manifest['counts'])} tables")


@commands.command()
def restore(
    folder: Annotated[Path, typer.Argument(help="a folder `assured backup` wrote")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Restore a backup into this (empty) home and database, after checking every file's SHA-256;
    refused when the home, its folders or the database hold anything."""
    from registry.backup import restore as restore_backup

    counts = restore_backup(get_settings(), folder)
    if as_json:
        emit_json({"counts": counts})
        return
    typer.echo(f"restored {sum(counts.values())} rows in {len(counts)} tables into {get_settings().home_path}")
