"""Prefect's own database on PostgreSQL (PREFECT_API_DATABASE_CONNECTION_URL), behind the auth
string: the server keeps its tables there, answers only with the auth string, and `assured doctor`
in production passes its check (PostgreSQL pass only: it needs the suite's PostgreSQL server)."""

from __future__ import annotations

import base64

import pytest
import requests
from sqlalchemy import create_engine, inspect

from registry.settings import get_settings
from tests.conftest import BACKEND
from tests.support.prefect_server import prefect_server

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="needs the PostgreSQL pass's server")
AUTH = "operator:hankou-1861"


def test_prefect_server_keeps_its_data_on_postgresql_behind_the_auth_string(cli, pg_server, tmp_path, monkeypatch):
    from tests.support.pgserver import create_database

    url = create_database(pg_server, "prefect_own")
    database = url.replace("postgresql+psycopg", "postgresql+asyncpg")
    with prefect_server(
        tmp_path, PREFECT_API_DATABASE_CONNECTION_URL=database, PREFECT_SERVER_API_AUTH_STRING=AUTH
    ) as api:
        headers = {"Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode()}
        assert requests.post(f"{api}/flows/filter", json={}, timeout=5).status_code == 401
        assert requests.post(f"{api}/flows/filter", json={}, headers=headers, timeout=5).status_code == 200
        assert {"flow", "flow_run", "deployment"} <= set(inspect(create_engine(url)).get_table_names())
        monkeypatch.setenv("PREFECT_API_URL", api)
        monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", database)
        monkeypatch.setenv("PREFECT_API_AUTH_STRING", AUTH)
        monkeypatch.setenv("ASSURED_PRODUCTION", "true")
        get_settings.cache_clear()
        assert f"ok    Prefect API: {api} reachable, its database on PostgreSQL" in cli("doctor").out
