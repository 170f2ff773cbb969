"""`assured serve` against a real `prefect server start`: deployments registered, a run
triggered through the API completes (the reviewers' two-terminal set-up)."""

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import BACKEND
from tests.flows.conftest import AS_OF

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="runs once, in the SQLite pass")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} did not come up in {seconds} s")


def test_a_served_deployment_runs_when_triggered_through_the_api(cli, shops, tmp_path):
    port = _port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    bin_dir = os.path.dirname(sys.executable)
    server = subprocess.Popen(
        [os.path.join(bin_dir, "prefect"), "server", "start", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = None
    try:
        _wait(f"{api}/health", 120)
        served = subprocess.Popen(
            [sys.executable, "-m", "flows", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        trigger = f"""
import sys
from prefect.deployments import run_deployment
r = run_deployment("apply/apply", timeout=150, parameters={{"form": {{"uscc": "{shops["good"]}",
    "program": "model_unit", "return_days": 15, "displayed": True, "advance_compensation": True,
    "first_inquiry_responsibility": True, "service_station": True}}, "as_of": "{AS_OF}"}})
print(r.state.name)
"""
        deadline = time.monotonic() + 60
        while True:  # the deployment appears once `serve` has registered it
            names = requests.post(f"{api}/deployments/filter", json={}, timeout=5).json()
            if {d["name"] for d in names} >= {"apply", "announce", "issue", "screen", "recheck-daily"}:
                # a reviewer's decision needs a signed-in account: it is not a deployment
                assert "review" not in {d["name"] for d in names}
                break
            assert time.monotonic() < deadline, names
            time.sleep(1)
        run = subprocess.run([sys.executable, "-c", trigger], env=env, capture_output=True, text=True, timeout=200)
        assert run.stdout.strip().splitlines()[-1] == "Completed", run.stderr[-2000:]
    finally:
        for proc in (served, server):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    shown = cli("applications", "list", "--json").json()
    assert [(a["uscc"], a["status"]) for a in shown] == [(shops["good"], "in_review")]
