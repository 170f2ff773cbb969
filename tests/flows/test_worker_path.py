"""The production path, end to end: a real `prefect server` behind PREFECT_SERVER_API_AUTH_STRING, a
process work pool, `prefect deploy` from a copy of the checkout at another path than the worker's,
`prefect worker start`, one deployment run to Completed with its effect in the registry; then a
worker with the wrong registry settings fails the same run with doctor's line, creating nothing;
and `assured serve` refuses to take over the pool's deployments."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import BACKEND
from tests.flows.conftest import AS_OF

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="one Prefect server path: runs in the SQLite pass")
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AUTH = "operator:wuhan-1957"
HEADERS = {"Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode()}
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(what: str, seconds: float, probe):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if found := probe():
                return found
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds} s")


def _copy_of_checkout(target: Path) -> Path:
    """The checkout's tracked files (as in the work tree) at another path."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target / rel)
    return target


def _run(api: str, deployment_id: str, uscc: str) -> dict:
    form = {
        "uscc": uscc,
        "program": "model_unit",
        "return_days": 15,
        "displayed": True,
        "advance_compensation": True,
        "first_inquiry_responsibility": True,
        "service_station": True,
    }
    made = requests.post(
        f"{api}/deployments/{deployment_id}/create_flow_run",
        json={"parameters": {"form": form, "as_of": AS_OF}},
        headers=HEADERS,
        timeout=10,
    )
    made.raise_for_status()
    run_id = made.json()["id"]

    def finished():
        run = requests.get(f"{api}/flow_runs/{run_id}", headers=HEADERS, timeout=5).json()
        return run if run["state"]["type"] in FINAL else None

    return _until("the flow run to finish", 120, finished)


def test_a_deployment_runs_on_a_worker_from_its_own_checkout_and_a_misconfigured_worker_refuses(
    cli, shops, tmp_path, monkeypatch
):
    port = _port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_AUTH_STRING": AUTH,
        "PREFECT_API_AUTH_STRING": AUTH,
        "PREFECT_WORKER_QUERY_SECONDS": "1",
    }
    env.pop("ASSURED_REPO", None)
    procs: list[subprocess.Popen] = []

    def start(*args: str, **extra: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [str(BIN / "prefect"), *args],
            env={**env, **extra},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        return proc

    def prefect(*args: str, cwd: Path = tmp_path) -> None:
        done = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    try:
        start("server", "start", "--port", str(port))
        _until("the Prefect server", 90, lambda: requests.get(f"{api}/health", timeout=2).ok)
        # The auth string protects the API: refused without it, answered with it.
        assert requests.post(f"{api}/deployments/filter", json={}, timeout=5).status_code == 401
        assert requests.post(f"{api}/deployments/filter", json={}, headers=HEADERS, timeout=5).status_code == 200
        monkeypatch.setenv("PREFECT_API_URL", api)
        monkeypatch.setenv("PREFECT_API_AUTH_STRING", "operator:guessed")
        assert "refused the credentials (401) — fix: set PREFECT_API_AUTH_STRING" in cli("doctor").out
        monkeypatch.setenv("PREFECT_API_AUTH_STRING", AUTH)
        assert f"ok    Prefect API: {api} reachable" in cli("doctor").out

        prefect("work-pool", "create", "assured", "--type", "process")
        deployed_from = _copy_of_checkout(tmp_path / "elsewhere" / "assured")
        prefect("--no-prompt", "deploy", "--name", "apply", cwd=deployed_from)  # ASSURED_REPO unset here
        [deployment] = requests.post(f"{api}/deployments/filter", json={}, headers=HEADERS, timeout=5).json()
        assert deployment["work_pool_name"] == "assured"
        [pull] = deployment["pull_steps"]  # stored as written: resolved on the worker
        assert pull == {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $ASSURED_REPO }}"}}

        worker = start("worker", "start", "--pool", "assured", ASSURED_REPO=str(ROOT))
        run = _run(api, deployment["id"], shops["good"])
        assert run["state"]["type"] == "COMPLETED", run["state"]
        shown = cli("applications", "list", "--json").json()
        assert [(a["uscc"], a["status"]) for a in shown] == [(shops["good"], "in_review")]
        worker.terminate()
        worker.wait(timeout=30)

        empty = tmp_path / "wrong-home"
        wrong = {k: v for k, v in env.items() if k != "ASSURED_DATABASE_URL"}
        procs.append(
            subprocess.Popen(
                [str(BIN / "prefect"), "worker", "start", "--pool", "assured"],
                env={**wrong, "ASSURED_REPO": str(ROOT), "ASSURED_HOME": str(empty)},
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        refused = _run(api, deployment["id"], shops["unclassified"])
        assert refused["state"]["type"] == "FAILED", refused["state"]
        assert f"FAIL  database: no registry at {empty.resolve() / 'assured.db'} — fix:" in refused["state"]["message"]
        assert not (empty / "assured.db").exists()

        served = subprocess.run(
            [sys.executable, "-m", "flows", "serve"], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert served.returncode == 2 and "refusing to serve over deployments bound to a work pool" in served.stderr
        assert "apply/apply (work pool assured)" in served.stderr
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
