"""Risk early-warning scan (风险预警) as a Prefect flow: read, analyse, write.

The scan is one analysis over a whole province, not per business, so it is a
few tasks: read the window's complaints, analyse them (phrases, terms, topics),
stream the baseline through the counters, build the report, write JSON and PDF.
`weekly_deployment()` gives the deployment that runs it every Monday morning.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.schedules import Cron
from prefect.utilities.annotations import quote

from checks import calendar
from checks.risk.scan import (
    BaselineCounts,
    ComplaintText,
    ScanParams,
    WindowStage,
    build_report,
    risk_notice,
    scan_window,
)
from documents.files import write_atomic
from documents.risk_report import render_report_pdf
from flows.common import registry
from registry.complaint_text import complaint_texts
from registry.db import begin_write, make_engine
from registry.ingest import insert_ignoring_duplicates
from registry.settings import get_settings
from registry.workflow_models import RiskFlag


def _jieba_cache() -> Path:
    return get_settings().home_path / "tmp" / "jieba"


@task(cache_policy=NO_CACHE)
def read_window(params: ScanParams) -> list[ComplaintText]:
    engine = make_engine(get_settings().db_url)
    return [row for part in complaint_texts(engine, params.window_start, params.as_of) for row in part]


@task(cache_policy=NO_CACHE)
def analyse_window(rows: list[ComplaintText], params: ScanParams) -> WindowStage:
    return scan_window(rows, params, _jieba_cache())


@task(cache_policy=NO_CACHE)
def count_baseline(window: WindowStage) -> BaselineCounts:
    params = window.params
    counts = BaselineCounts(window)
    engine = make_engine(get_settings().db_url)
    for part in complaint_texts(engine, params.baseline_start, params.window_start - dt.timedelta(days=1)):
        counts.add(part)
    return counts


@task(cache_policy=NO_CACHE)
def make_report(window: WindowStage, baseline: BaselineCounts) -> dict:
    return build_report(window, baseline)


@task(cache_policy=NO_CACHE)
def write_report(report: dict, out_dir: str) -> dict[str, str]:
    stem = Path(out_dir) / f"risk-{report['as_of']}"
    json_path, pdf_path = stem.with_suffix(".json"), stem.with_suffix(".pdf")
    write_atomic(json_path, json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8"))
    write_atomic(pdf_path, render_report_pdf(report))
    return {"json": str(json_path), "pdf": str(pdf_path)}


@task(cache_policy=NO_CACHE)
def store_flags(report: dict) -> int:
    """Keep each flagged business's notice in the registry, where the application's history shows it."""
    scanned_on = dt.date.fromisoformat(report["as_of"])
    rows = [
        {"uscc": f["uscc"], "scanned_on": scanned_on, "notice": risk_notice(report, f["uscc"])}
        for f in report.get("flagged_businesses", ())
    ]
    if rows:
        with begin_write(registry()) as session:
            insert_ignoring_duplicates(session.connection(), RiskFlag.__table__, rows)
    return len(rows)


@flow(name="risk-scan")
def risk_scan_flow(
    as_of: dt.date | None = None, window_days: int = 30, baseline_months: int = 12, out_dir: str | None = None
) -> dict:
    """Emerging terms, topics, trend anomalies and flagged businesses from complaint text; JSON + PDF."""
    params = ScanParams(as_of or calendar.today(), window_days, baseline_months)
    rows = read_window(params)
    window = analyse_window(quote(rows), params)
    baseline = count_baseline(quote(window))
    report = make_report(quote(window), quote(baseline))
    paths = write_report(quote(report), out_dir or str(get_settings().out_path / "risk"))
    store_flags(quote(report))
    return {"report": report, "files": paths}


def weekly_deployment():
    """The scan every Monday at 06:00 China time, for `prefect.serve` (prefect.yaml declares the same)."""
    return risk_scan_flow.to_deployment(
        name="risk-scan-weekly",
        schedule=Cron("0 6 * * 1", timezone="Asia/Shanghai"),
        description="Weekly risk early-warning scan of complaint text",
    )
