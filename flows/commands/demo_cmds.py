"""`assured demo`: the main job on a fresh demo home."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console

from flows.commands.common import emit_json

commands = typer.Typer()
GROUPS: tuple[typer.Typer, ...] = ()


@commands.command()
def demo(
    businesses: Annotated[int, typer.Option(help="size of the generated province")] = 6000,
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Run the main job end to end on a fresh demo home (<ASSURED_HOME>/demo): generate, ingest,
    apply, assess, review, announce, object, issue, deliver, verify — and summarise."""
    from flows.demo import run  # Prefect and reportlab: only when the demo runs

    started = time.perf_counter()
    console = Console(stderr=as_json)
    summary = run(businesses, seed, console)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    if as_json:
        emit_json(summary)
        return
    c = Console()
    c.print(
        f"\n[bold]Done in {summary['seconds']} s.[/] {summary['businesses']:,} businesses, "
        f"{summary['rows']:,} records ingested."
    )
    c.print("applications by status: " + ", ".join(f"{k} {v}" for k, v in summary["applications"].items()))
    for a in summary["announcements"]:
        c.print(
            f"announcement {a['announcement']} ({a['program']}): {len(a['applications'])} applicants, "
            f"window until {a['window_ends_on']} — {a['pdf']}"
        )
    c.print(f"certificates issued: {summary['issued']} → {summary['certificates']}")
    for v in summary["verified"]:
        c.print(f"  verify {v['number']}: {'valid' if v['valid'] else 'INVALID'} ({v['status']})")
    c.print(f"delivered documents (one folder per business): {summary['outbox']}")
    c.print(f"rejection letters: {summary['letters']}")
    r = summary["recheck"]
    c.print(
        f"recheck: {r['certificates']} certified businesses, actions "
        f"{', '.join(f'{k} {v}' for k, v in r['actions'].items()) or 'none'}; worklist {r['worklist'][0]}"
    )
    c.print(f"public disclosures: {summary['disclosures']['out']}")
    c.print(f"database: {summary['database']}")
    c.print("see one application's history:  ASSURED_HOME=" + summary["home"] + " assured applications show 1")
    c.print("verification page:              ASSURED_HOME=" + summary["home"] + " assured web")
    c.print("reviewers' workbench:           ASSURED_HOME=" + summary["home"] + " assured web, then open /review")
    for a in summary["accounts"]:
        c.print(f"  sign in as {a['username']} ({a['stage']} stage), one-time password {a['one_time_password']}")
