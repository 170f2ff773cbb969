"""`assured risk-scan`: the risk early-warning report from complaint text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from checks import calendar
from flows.commands.common import date_option, emit_json, fail

commands = typer.Typer()
GROUPS: tuple[typer.Typer, ...] = ()


@commands.command("risk-scan")
def risk_scan(
    as_of: Annotated[str | None, typer.Option(help="last day of the window, YYYY-MM-DD (default today)")] = None,
    window_days: Annotated[int, typer.Option(help="days in the window that is scanned")] = 30,
    baseline_months: Annotated[int, typer.Option(help="months before the window it is compared with")] = 12,
    out: Annotated[
        Path | None, typer.Option(help="folder for risk-<date>.json and .pdf (default <home>/out/risk)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Emerging terms, topics and trend anomalies in complaint text; flags businesses (advisory)."""
    day = date_option(as_of, "--as-of") or calendar.today()
    if window_days < 7:
        fail(f"--window-days: {window_days} is too short (at least 7)")
    if not 1 <= baseline_months <= 60:
        fail(f"--baseline-months: {baseline_months} is outside 1-60")
    if out is not None and out.exists() and not out.is_dir():
        fail(f"--out: {out} is not a folder")
    from flows.risk import risk_scan_flow  # Prefect, scikit-learn and reportlab: only when a scan runs

    result = risk_scan_flow(
        as_of=day, window_days=window_days, baseline_months=baseline_months, out_dir=str(out) if out else None
    )
    report, files = result["report"], result["files"]
    if as_json:
        emit_json(report | {"files": files})
        return
    w, b = report["window"], report["baseline"]
    typer.echo(
        f"window {w['from']}..{w['to']}: {w['complaints']:,} complaints; "
        f"baseline {b['from']}..{b['to']}: {b['complaints']:,}"
    )
    typer.echo(
        "emerging terms: "
        + (
            "、".join(f"{t['term']}({t['window_count']}/{t['baseline_count']})" for t in report["emerging_terms"][:10])
            or "none"
        )
    )
    emerging = [t for t in report["topics"] if t["emerging"]]
    typer.echo(
        f"topics: {len(report['topics'])}, emerging: "
        + ("; ".join(f"{t['label']} ({t['size']})" for t in emerging) or "none")
    )
    typer.echo(f"trend anomalies: {len(report['anomalies'])}; flagged businesses: {len(report['flagged_businesses'])}")
    typer.echo(f"report: {files['pdf']} and {files['json']}")
