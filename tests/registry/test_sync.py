"""Sync from a real HTTP source: equals file ingest, survives 5xx, resumes after a kill."""

import os
import socket
import subprocess
import sys
import threading

import pytest
import requests

from registry.settings import get_settings
from registry.sources import FaultPlan, make_server
from tests.conftest import table_dump


@pytest.fixture
def serve():
    servers = []

    def start(folder, faults=None):
        server = make_server(folder, faults=faults)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _file_ingest_dump(cli, folder, new_database):
    """What ingesting the files gives, in a database of its own; then back to a fresh one."""
    new_database("files")
    assert cli("ingest", folder).code == 0
    dump = table_dump(get_settings().db_url)
    new_database("synced")
    return dump


def test_a_full_pull_equals_file_ingest(cli, generate, serve, new_database):
    folder = generate(bad_rows=0.05)
    expected = _file_ingest_dump(cli, folder, new_database)
    base = serve(folder)
    result = cli("sync", base, "--page-size", 97, "--json")
    assert result.code == 0, result.err
    assert table_dump(get_settings().db_url) == expected
    again = cli("sync", base, "--json").json()
    assert all(r["stored"] == 0 and r["updated"] == 0 for r in again)


def test_one_business_can_be_fetched_by_uscc(generate, serve):
    folder = generate()
    base = serve(folder)
    first = requests.get(f"{base}/registrations", params={"limit": 1}).json()["items"][0]
    body = requests.get(f"{base}/complaints", params={"uscc": first["uscc"].lower()}).json()
    assert body["next"] is None
    assert all(item["uscc"] == first["uscc"] for item in body["items"])


def test_a_server_that_answers_500_twice_then_200_still_syncs(cli, generate, serve, new_database):
    folder = generate(businesses=50)
    expected = _file_ingest_dump(cli, folder, new_database)
    faults = FaultPlan(fail_first=2)
    result = cli("sync", serve(folder, faults), "--json")
    assert result.code == 0, result.err
    assert faults.requests > 2 and table_dump(get_settings().db_url) == expected


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(folder, port, *extra):
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows", "sources", "serve", str(folder), "--port", str(port), *extra],
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    proc.stderr.readline()  # "serving … at …" once listening
    return proc


def test_a_server_killed_mid_sync_and_restarted_resumes_with_no_duplicates(cli, generate, monkeypatch, new_database):
    folder = generate(businesses=200)
    expected = _file_ingest_dump(cli, folder, new_database)
    monkeypatch.setenv("ASSURED_HTTP_RETRIES", "1")
    get_settings.cache_clear()
    port = _free_port()
    proc = _start(folder, port, "--die-after", "6")
    failed = cli("sync", f"http://127.0.0.1:{port}", "--page-size", 50)
    proc.wait(timeout=10)
    assert failed.code == 2 and "re-run `assured sync` to resume" in failed.err
    partial = table_dump(get_settings().db_url)
    assert 0 < len(partial["registrations"]) and partial != expected

    proc = _start(folder, port)
    try:
        resumed = cli("sync", f"http://127.0.0.1:{port}", "--page-size", 50, "--json")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert resumed.code == 0, resumed.err
    assert table_dump(get_settings().db_url) == expected
    rows = {r["kind"]: r for r in resumed.json()}
    # Resumed from the cursor: registrations' pages already stored were not read again.
    assert rows["registrations"]["read"] < len(expected["registrations"])


def test_a_source_that_serves_no_field_evaluation_kinds_still_syncs(cli, generate, serve, new_database):
    folder = generate()
    for kind in ("inspections", "mystery_shops", "ratings"):
        (folder / f"{kind}.jsonl").unlink()
    expected = _file_ingest_dump(cli, folder, new_database)
    result = cli("sync", serve(folder), "--json")
    assert result.code == 0, result.err
    assert table_dump(get_settings().db_url) == expected
    (folder / "penalties.jsonl").unlink()
    refused = cli("sync", serve(folder), "--json")
    assert refused.code != 0 and "penalties: HTTP 404" in refused.err  # every source serves the others
