"""Prefect's own database on PostgreSQL (PREFECT_API_DATABASE_CONNECTION_URL), behind the auth
string: the server keeps its tables there, answers only with the auth string, and `assured doctor`
in production passes its check (PostgreSQL pass only: it needs the suite's PostgreSQL server)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, inspect

from registry.settings import get_settings
from tests.conftest import BACKEND
from tests.flows.test_worker_path import _port, _until

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="needs the PostgreSQL pass's server")
AUTH = "operator:hankou-1861"


def test_prefect_server_keeps_its_data_on_postgresql_behind_the_auth_string(cli, pg_server, tmp_path, monkeypatch):
    from tests.support.pgserver import create_database

    url = create_database(pg_server, "prefect_own")
    port = _port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": url.replace("postgresql+psycopg", "postgresql+asyncpg"),
        "PREFECT_SERVER_API_AUTH_STRING": AUTH,
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _until("the Prefect server on PostgreSQL", 180, lambda: requests.get(f"{api}/health", timeout=2).ok)
        headers = {"Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode()}
        assert requests.post(f"{api}/flows/filter", json={}, timeout=5).status_code == 401
        assert requests.post(f"{api}/flows/filter", json={}, headers=headers, timeout=5).status_code == 200
        assert {"flow", "flow_run", "deployment"} <= set(inspect(create_engine(url)).get_table_names())
        for key in ("PREFECT_API_URL", "PREFECT_API_DATABASE_CONNECTION_URL"):
            monkeypatch.setenv(key, env[key])
        monkeypatch.setenv("PREFECT_API_AUTH_STRING", AUTH)
        monkeypatch.setenv("ASSURED_PRODUCTION", "true")
        get_settings.cache_clear()
        assert f"ok    Prefect API: {api} reachable, its database on PostgreSQL" in cli("doctor").out
    finally:
        server.terminate()
        server.wait(timeout=30)
