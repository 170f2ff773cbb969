"""`assured publish`: the public disclosures (red/black lists, complaint information, industry
statistics, notification letters to the joint meeting's member units)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from checks import calendar
from flows.commands.common import date_option, emit_json, fail
from registry.settings import get_settings

commands = typer.Typer()
GROUPS: tuple[typer.Typer, ...] = ()


@commands.command("publish")
def publish(
    out: Annotated[
        Path | None, typer.Option(help="folder for the files (default <home>/out/disclosures/<date>)")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="date of the disclosure, YYYY-MM-DD (default today)")] = None,
    min_complaints: Annotated[
        int, typer.Option(help="complaint disclosure: enterprises with at least this many complaints in the 12 months")
    ] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Red and black lists, complaint information, industry statistics and notification letters:
    PDF (Chinese, with charts) + CSV + JSON, and a README of fields."""
    day = date_option(as_of, "--as-of") or calendar.today()
    if min_complaints < 1:
        fail(f"--min-complaints: {min_complaints} must be at least 1")
    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out: {out} is not a folder")
    # Prefect and reportlab: only when publishing
    from documents.fonts import cjk_font
    from flows.publish import member_units, publish_flow

    member_units()
    if not cjk_font().embedded:
        typer.echo(
            "warning: no TrueType CJK font installed (fonts-droid-fallback or fonts-wqy-zenhei); "
            "the PDFs use the non-embedded STSong-Light",
            err=True,
        )
    folder = out or get_settings().out_path / "disclosures" / day.isoformat()
    summary = publish_flow(out=str(folder), as_of=day, min_complaints=min_complaints)
    if as_json:
        emit_json(summary)
        return
    c, t = summary["counts"], summary["totals"]
    rate = "—" if t["reconciliation_rate"] is None else f"{t['reconciliation_rate'] * 100:.2f}%"
    typer.echo(
        f"as of {summary['as_of']}: red list {c['red_list']}, black list {c['black_list']} "
        f"({c['complaint_blacklist']} black-listed, {c['revoked']} revoked), "
        f"{c['enterprises']} enterprises disclosed, {c['letters']} letters"
    )
    typer.echo(
        f"complaints {summary['period']['from']}..{summary['period']['to']}: {t['received']:,}, "
        f"reconciliation rate {rate} (reference 92.78%)"
    )
    typer.echo(f"{len(summary['files'])} files in {summary['out']}")
