"""Recheck of 50,000 certified businesses among the 1,000,000 of the generated province
(quick: 1,000 among 20,000): wall time and peak memory of `assured recheck` in a child
process (the real Prefect flow, reporting to a Prefect server started for the run).

The certified set is written straight into a copy of the cached province's registry: businesses
with no veto and no missing data under a model-unit assessment on 2025-07-01 (drawn from active ones with a class-A
record and no current listing), one certificate each issued that day, valid two years; the
recheck as of the province's date (2026-06-30) sees what happened to them in the year since.
Each run first resets what a previous run changed (findings, status changes, notices).

Baseline, in the same run: `evidence_batch(usccs=…)` + `assess` over the same businesses in
this process, doing nothing with the result — the evidence and the rules alone.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import sqlite3
from pathlib import Path

from bench import Figure, prefect_server, run_cli_json, timed
from bench.province import AS_OF, OUT, province

ISSUED = dt.date(2025, 7, 1)
RESET = (
    "DELETE FROM monitoring_findings",
    "DELETE FROM rechecks",
    "DELETE FROM deliveries",
    "DELETE FROM audit_log",
    "DELETE FROM certificate_status_changes WHERE reason_code != 'issued'",
    "UPDATE certificates SET status = 'valid'",
)


def certified_registry(businesses: int, certified: int) -> tuple[Path, str, list[str]]:
    """(home, URL, certified USCCs) of the province copy holding `certified` certificates."""
    from registry.db import upgrade

    _, source = province(businesses)
    home = OUT / f"recheck-{businesses}-{certified}"
    db = home / "assured.db"
    done = home / ".certified"
    if not done.exists():
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.removeprefix("sqlite:///"), db)
        upgrade(f"sqlite:///{db}")
        conn = sqlite3.connect(db)
        usccs = [
            u
            for (u,) in conn.execute(
                """SELECT r.uscc FROM registrations r
               WHERE r.status = 'active'
                 AND EXISTS (SELECT 1 FROM credit_classes c WHERE c.uscc = r.uscc AND c.risk_class = 'A')
                 AND NOT EXISTS (SELECT 1 FROM credit_listings l WHERE l.uscc = r.uscc AND l.listed_on <= ?
                                 AND (l.removed_on IS NULL OR l.removed_on > ?))
               ORDER BY substr(r.uscc, 11) LIMIT ?""",
                (AS_OF, AS_OF, certified * 4),
            )
        ]
        usccs = _eligible(f"sqlite:///{db}", usccs, ISSUED)[:certified]
        indices = secrets.SystemRandom().sample(range(131_072), len(usccs))
        until = dt.date(2027, 6, 30)
        with conn:
            for i, (uscc, index) in enumerate(zip(usccs, indices), 1):
                cur = conn.execute(
                    "INSERT INTO certificates (uscc, program, number, number_zh, serial, status_index, status, "
                    "issued_on, valid_from, valid_until, data) VALUES (?, 'model_unit', ?, ?, ?, ?, 'valid', ?, ?, ?, ?)",
                    (
                        uscc,
                        f"HB-FX-2025-420000-{i:06d}",
                        f"鄂放心〔2025〕第420000-{i:06d}号",
                        secrets.token_hex(16),
                        index,
                        ISSUED.isoformat(),
                        ISSUED.isoformat(),
                        until.isoformat(),
                        json.dumps({"uscc": uscc}),
                    ),
                )
                conn.execute(
                    "INSERT INTO certificate_status_changes (certificate_id, status, reason_code, note, "
                    "actor, \"on\") VALUES (?, 'valid', 'issued', '', 'bench', ?)",
                    (cur.lastrowid, ISSUED.isoformat()),
                )
        conn.close()
        done.touch()
    conn = sqlite3.connect(db)
    with conn:
        for statement in RESET:
            conn.execute(statement)
    usccs = [u for (u,) in conn.execute("SELECT uscc FROM certificates ORDER BY uscc")]
    conn.close()
    shutil.rmtree(home / "out", ignore_errors=True)
    return home, f"sqlite:///{db}", usccs


def _eligible(url: str, usccs: list[str], on: dt.date) -> list[str]:
    """Those of `usccs` with no veto and no missing data under a model-unit assessment on `on`
    (when they were certified). The score is not used: without their applications the generated
    businesses lack the commitment points their applications would have carried; nor is the
    credit class, which the generator only dates from 2026-03 (the selection asks for an A)."""
    from checks.assess import assess
    from checks.policy import load_policy
    from registry.db import session_factory
    from registry.evidence import evidence_batch

    policy = load_policy("model_unit")
    with session_factory(url)() as session:
        return sorted(
            (
                ev.uscc
                for ev in evidence_batch(session, on, "model_unit", policy, usccs=usccs)
                if not _blocked(assess(ev, policy))
            ),
            key=lambda u: u[10:],
        )


def _blocked(a) -> bool:
    from checks.outcome import Status

    missing = {i for i in a.ids_with(Status.MISSING) if not i.startswith("bonus.")}  # a bonus missing is no fail
    return bool(a.ids_with(Status.VETO) or missing - {"V4"})


def _bare(url: str, usccs: list[str]) -> float:
    from checks.assess import assess
    from checks.policy import load_policy
    from registry.db import session_factory
    from registry.evidence import evidence_batch

    policy = load_policy("model_unit")
    day = dt.date.fromisoformat(AS_OF)
    with session_factory(url)() as session, timed() as elapsed:
        for ev in evidence_batch(session, day, "model_unit", policy, usccs=usccs):
            assess(ev, policy)
    return elapsed()


def run(quick: bool) -> list[Figure]:
    businesses, certified = (20_000, 1_000) if quick else (1_000_000, 50_000)
    with timed() as setup:
        home, url, usccs = certified_registry(businesses, certified)
    with prefect_server(home) as api:  # a running server, as the daily deployment reports to the bureau's
        result, seconds, rss = run_cli_json(
            home, url, ["recheck", "--as-of", AS_OF, "--json"], home / "recheck.json", api
        )
    bare = _bare(url, usccs)
    actions = result["actions"]
    return [
        Figure(f"certified businesses rechecked (among {businesses:,})", result["certificates"], "certificates"),
        Figure("setup (copy the province, certify; cached after the first run)", setup(), "s"),
        Figure("recheck wall time (child process, a running Prefect server)", seconds, "s"),
        Figure("recheck peak RSS (child ru_maxrss)", rss, "MiB"),
        Figure("  suspended (veto, notice written and delivered)", actions.get("suspended", 0), "certificates"),
        Figure("  warned (complaint spike / low reconciliation rate)", actions.get("warned", 0), "certificates"),
        Figure("  findings stored (incl. advisories)", len(result["findings"]), "findings"),
        Figure("baseline: evidence_batch + assess of the same businesses", bare, "s"),
        Figure("recheck time / baseline", seconds / bare, "x"),
        Figure("recheck time per certificate", 1000 * seconds / max(result["certificates"], 1), "ms"),
    ]
