"""Assessment commands: assess one business, screen a region, policy what-if."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from checks import calendar
from checks.assess import assess as run_assessment
from checks.assess import same_evidence_basis, what_if
from checks.errors import Kind
from checks.policy import PROGRAMS, load_policy
from checks.uscc import validate_uscc
from flows.commands.common import date_option, emit_json, fail
from registry.db import open_registry
from registry.evidence import evidence_batch, evidence_for
from registry.models import Registration
from registry.queries import registration_count
from registry.settings import get_settings

STATUS_STYLE = {"pass": "green", "fail": "yellow", "veto": "bold red", "missing": "magenta"}
# From this many businesses `assured screen` spreads its chunks over a local Dask cluster by
# default. Starting the cluster costs about 7 s; one process screens at about 43 µs per
# business (README, Benchmarks). Two workers on this project's 2 vCPUs do about 1.3 times
# the work of one (1,000,000 businesses: 40.9 s against 43.0 s), so the cluster pays from
# roughly 700,000 there, and from about 350,000 where the two cores are real.
DASK_FROM = 700_000

commands = typer.Typer()
policy_app = typer.Typer(
    name="policy", help="Policy files: what-if before a policy takes effect.", no_args_is_help=True
)
GROUPS = (policy_app,)


def _program(value: str) -> str:
    if value not in PROGRAMS:
        fail(f"--program: {value!r} is not one of {', '.join(PROGRAMS)}")
    return value


def _worth_dask(region: str | None, workers: int) -> bool:
    """Screen on a local Dask cluster by default? Only with a core per worker and a population
    large enough to repay the cluster's start-up."""
    if workers < 2 or (os.cpu_count() or 1) < workers:
        return False
    with open_registry(get_settings().db_url)() as session:
        return registration_count(session, region) >= DASK_FROM


def print_assessment(result: dict, console: Console) -> None:
    console.print(
        f"[bold]{result['uscc']}[/] {result['program']} as of {result['as_of']}: "
        f"[bold]{result['verdict']}[/] score {result['score']:g} (bonus {result['bonus']:g}) — policy "
        f"{result['policy']['id']} effective {result['policy']['effective_from']}, "
        f"sha256 {result['policy']['sha256'][:12]}"
    )
    table = Table(show_lines=False)
    for col in ("check", "title", "status", "points", "reason"):
        table.add_column(col, overflow="fold")
    for o in result["outcomes"]:
        style = STATUS_STYLE.get(o["status"], "")
        table.add_row(
            o["id"],
            o["title_zh"],
            f"[{style}]{o['status']}[/]",
            f"{o['points']:g}/{o['max_points']:g}" if o["max_points"] else "",
            o["reason_zh"],
        )
    console.print(table)


@commands.command()
def assess(
    uscc: Annotated[str, typer.Argument(help="the business's unified social credit code")],
    program: Annotated[str, typer.Option(help="model_unit or seven_day_return")] = "model_unit",
    as_of: Annotated[str | None, typer.Option(help="assess as of YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Assess one business: every check with its reason, the verdict, score and policy."""
    program = _program(program)
    day = date_option(as_of, "--as-of") or calendar.today()
    code = validate_uscc(uscc)
    policy = load_policy(program)
    with open_registry(get_settings().db_url)() as session:
        if session.get(Registration, code) is None:
            fail(f"uscc {code}: no registration on record", Kind.not_found)
        result = run_assessment(evidence_for(session, code, day, program, policy), policy).to_json()
    if as_json:
        emit_json(result)
    else:
        print_assessment(result, Console())


@commands.command()
def screen(
    program: Annotated[str, typer.Option(help="model_unit or seven_day_return")] = "model_unit",
    region: Annotated[str | None, typer.Option(help="region code prefix, e.g. 4201")] = None,
    as_of: Annotated[str | None, typer.Option(help="screen as of YYYY-MM-DD (default today)")] = None,
    out: Annotated[Path | None, typer.Option(help="rows file, .csv or .jsonl (default under output dir)")] = None,
    parts: Annotated[int | None, typer.Option(help="chunk tasks (default 4; 2 per Dask worker)")] = None,
    parallel: Annotated[
        str | None,
        typer.Option(
            help="`dask`: run the chunks on a Dask cluster; `none`: in this process. Default: dask with "
            f"--workers processes from {DASK_FROM:,} businesses on a machine with that many cores"
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Dask worker processes of the local cluster")] = 2,
    dask_address: Annotated[str | None, typer.Option(help="address of an existing Dask scheduler")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Screen every business of a region (a Prefect flow in a few chunk tasks); summary of verdicts."""
    import flows.screen as screening  # Prefect and Dask: only when a screening runs

    program = _program(program)
    day = date_option(as_of, "--as-of") or calendar.today()
    if region is not None and not (region.isdigit() and len(region) <= 6):
        fail(f"--region: {region!r} is not a prefix of a 6-digit region code")
    if parallel not in (None, "dask", "none"):
        fail(f"--parallel: {parallel!r} is not supported (use dask or none)")
    if not 1 <= workers <= 64:
        fail(f"--workers: {workers} is not between 1 and 64")
    if parallel is None:
        parallel = "dask" if _worth_dask(region, workers) else "none"
    parallel = None if parallel == "none" else parallel
    parts = parts or (2 * workers if parallel else 4)
    if not 1 <= parts <= 256:
        fail(f"--parts: {parts} is not between 1 and 256")
    if out is None:
        out = get_settings().out_path / "screening" / f"{program}-{day}{'-' + region if region else ''}.csv"
    if out.suffix not in (".csv", ".jsonl"):
        fail(f"--out: {out} must end in .csv or .jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    load_policy(program)
    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as bar:
        job = bar.add_task(f"screening {program}", total=None)
        if parallel is None:  # chunks on other processes cannot reach this terminal's bar
            screening.progress = lambda n: bar.advance(job, n)
        run = screening.screen_flow
        if parallel == "dask":
            run = run.with_options(task_runner=screening.dask_runner(workers, dask_address))
        try:
            result = run(program, day, str(out), region, parts)
        finally:
            screening.progress = None
    if as_json:
        emit_json(result)
        return
    c = Console()
    c.print(
        f"screened {result['businesses']:,} businesses ({program}, as of {result['as_of']}) "
        f"in {result['tasks']} tasks → {result['out']}"
    )
    c.print("verdicts: " + ", ".join(f"{k} {v:,}" for k, v in result["verdicts"].items()))
    c.print("most common vetoes: " + ", ".join(f"{k} {v:,}" for k, v in result["top_vetoes"]))
    c.print("most common failing checks: " + ", ".join(f"{k} {v:,}" for k, v in result["top_failed_checks"]))
    c.print("scores: " + ", ".join(f"{k}: {v:,}" for k, v in result["score_distribution"].items()))


@policy_app.command("diff")
def policy_diff(
    draft: Annotated[Path, typer.Option(help="the draft policy YAML file")],
    program: Annotated[str, typer.Option(help="model_unit or seven_day_return")] = "model_unit",
    as_of: Annotated[str | None, typer.Option(help="score as of YYYY-MM-DD (default today)")] = None,
    region: Annotated[str | None, typer.Option(help="region code prefix")] = None,
    limit: Annotated[int, typer.Option(help="flips to list in the table")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-score the population under a draft policy: who flips verdict, and why."""
    program = _program(program)
    day = date_option(as_of, "--as-of") or calendar.today()
    current, proposed = load_policy(program), load_policy(draft)
    if proposed.id != program:
        fail(f"--draft: {draft} is a policy for {proposed.id}, not {program}")
    with open_registry(get_settings().db_url)() as session, open_registry(get_settings().db_url)() as other:
        now = evidence_batch(session, day, program, current, region_prefix=region)
        if same_evidence_basis(current, proposed, day):
            population = now
        else:
            population = zip(now, evidence_batch(other, day, program, proposed, region_prefix=region))
        diff = what_if(population, current, proposed).to_json()
    if as_json:
        emit_json(diff)
        return
    c = Console()
    c.print(
        f"{diff['assessed']:,} businesses re-scored; {len(diff['flips']):,} flip verdict, "
        f"{diff['score_changed']:,} change score"
    )
    for t in diff["transitions"]:
        if t["before"] != t["after"]:
            c.print(f"  {t['before']} → {t['after']}: {t['count']:,}")
    table = Table(title=f"first {min(limit, len(diff['flips']))} flips")
    for col in ("uscc", "before", "after", "score", "why"):
        table.add_column(col, overflow="fold")
    for f in diff["flips"][:limit]:
        why = (
            "; ".join(f"{ch['id']}: {ch['reason_zh']}" for ch in f["changes"])
            or f"pass mark {f['pass_mark_before']:g} → {f['pass_mark_after']:g}"
        )
        table.add_row(f["uscc"], f["before"], f["after"], f"{f['score_before']:g} → {f['score_after']:g}", why)
    c.print(table)
