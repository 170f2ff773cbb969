"""The main job, end to end on the embedded default (SQLite + Prefect's local server).

Each step is one call into the packages or one flow; `assured demo` runs them in
order on a fresh demo home and prints where everything is.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from rich.console import Console

from registry.settings import get_settings

DEMO_AS_OF = dt.date(2026, 6, 30)


def fresh_home(base: Path) -> Path:
    """A clean demo home under the user's home (`<ASSURED_HOME>/demo`), reset on every run."""
    home = base / "demo"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    os.environ["ASSURED_HOME"] = str(home)
    os.environ.pop("ASSURED_DATABASE_URL", None)
    get_settings.cache_clear()
    return home


def run(businesses: int, seed: int, console: Console) -> dict:
    from registry.db import open_registry
    from registry.ingest import files_to_ingest, ingest_file
    from registry.synth import Params
    from registry.synth import generate as write_province

    home = fresh_home(get_settings().home_path)
    settings = get_settings()
    data = home / "data"
    console.print(f"[bold]1. generate[/] a province of {businesses:,} businesses as of {DEMO_AS_OF} → {data}")
    manifest = write_province(data, Params(businesses, seed, DEMO_AS_OF, "jsonl", 0.01))
    console.print(f"[bold]2. ingest[/] into {settings.db_url}")
    factory = open_registry(settings.db_url)
    ingested = []
    for path, kind in files_to_ingest([data]):
        with factory.begin() as session:
            ingested.append(ingest_file(session, path, kind).as_dict())
    return {"home": str(home), "database": settings.db_url, "manifest": manifest, "ingest": ingested}
