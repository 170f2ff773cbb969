"""A generated, ingested province shared by the benchmarks, cached under bench/out/.

Generation is deterministic, so a cached province of the same size and seed is the same
data; delete bench/out/ to rebuild.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).with_name("out")
AS_OF = "2026-06-30"


def _env(home: Path) -> dict:
    return {**os.environ, "ASSURED_HOME": str(home), "ASSURED_DATABASE_URL": f"sqlite:///{home / 'assured.db'}"}


def generated(businesses: int, seed: int = 1) -> Path:
    """The records folder of a generated province (generated once, then reused)."""
    home = OUT / f"province-{businesses}-{seed}"
    data = home / "data"
    if not (data / "_manifest.json").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flows",
                "generate",
                "--businesses",
                str(businesses),
                "--seed",
                str(seed),
                "--out",
                str(data),
                "--as-of",
                AS_OF,
            ],
            check=True,
            env=_env(home),
            stdout=subprocess.DEVNULL,
        )
    return data


def province(businesses: int, seed: int = 1) -> tuple[Path, str]:
    """(records folder, SQLite URL) of an ingested province of `businesses` businesses."""
    data = generated(businesses, seed)
    home = data.parent
    db = home / "assured.db"
    done = home / ".ingested"
    if not done.exists():
        env = _env(home)
        db.unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "-m", "flows", "ingest", str(data)], check=True, env=env, stdout=subprocess.DEVNULL
        )
        done.touch()
    return data, f"sqlite:///{db}"
