"""`assured doctor`: one line per check, each failing check printing its fix and making the command
exit 1; and the registry part every flow run performs first."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from registry.db import alembic_config
from registry.settings import get_settings
from tests.conftest import BACKEND


@pytest.fixture
def ready(cli, shops):
    """An instance with everything a flow needs: registry at head with data, a key ring."""
    assert cli("keys", "init").code == 0
    return shops


def _line(result, name: str) -> str:
    [line] = [x for x in result.out.splitlines() if x.split(maxsplit=1)[1].startswith(f"{name}:")]
    return line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setenv(monkeypatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def test_a_ready_instance_passes_every_check(cli, ready, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("ASSURED_REPO", raising=False)
    result = cli("doctor")
    assert result.code == 0, result.out
    names = [line.split(":", 1)[0].split(maxsplit=1)[1] for line in result.out.splitlines()]
    assert names == [
        "database",
        "registry",
        "signing keys",
        "status lists",
        "output folder",
        "outbox",
        "uploads",
        "CJK font",
        "Prefect API",
        "worker checkout",
        "public URL",
        "SMTP",
    ]
    assert all(line.startswith("ok ") for line in result.out.splitlines())
    shown = cli("doctor", "--json")
    assert shown.code == 0 and [c["name"] for c in shown.json()] == names and all(c["ok"] for c in shown.json())


def test_a_worker_checkout_that_is_not_one_fails(cli, ready, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSURED_REPO", str(tmp_path))
    result = cli("doctor")
    line = _line(result, "worker checkout")
    assert result.code == 1 and "is not a checkout of this project" in line and "fix: set ASSURED_REPO" in line
    monkeypatch.setenv("ASSURED_REPO", str(Path(__file__).resolve().parents[2]))
    assert _line(cli("doctor"), "worker checkout").startswith("ok ")


@pytest.mark.skipif(BACKEND != "sqlite", reason="a missing SQLite file: the SQLite pass")
def test_a_missing_database_fails_with_its_fix_and_is_not_created(cli, home):
    result = cli("doctor")
    assert result.code == 1
    line = _line(result, "database")
    assert line.startswith("FAIL") and "no registry at" in line and "fix: set ASSURED_HOME" in line
    assert not (home / "registry.db").exists() and not any(home.parent.glob("*.db"))


def test_an_unreachable_database_fails(cli, home, monkeypatch):
    _setenv(monkeypatch, ASSURED_DATABASE_URL=f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/none")
    line = _line(cli("doctor"), "database")
    assert line.startswith("FAIL") and "unreachable" in line and "fix:" in line


def test_a_registry_behind_the_migrations_head_fails(cli, home):
    command.upgrade(alembic_config(get_settings().db_url), "0005")
    result = cli("doctor")
    assert result.code == 1
    line = _line(result, "database")
    head = ScriptDirectory.from_config(alembic_config(get_settings().db_url)).get_current_head()
    assert head != "0005" and f"at migration 0005, head is {head}" in line and "fix: run `assured init`" in line


def test_an_empty_registry_fails_and_a_flow_run_refuses_it_with_the_same_line(cli, home, prefect_harness):
    assert cli("init").code == 0
    result = cli("doctor")
    line = _line(result, "registry")
    assert result.code == 1 and "holds no registrations, certificates or accounts" in line and "fix:" in line
    screened = cli("screen", "--program", "model_unit", "--as-of", "2026-06-30")
    assert screened.code == 2 and line in screened.err


def test_missing_signing_keys_fail(cli, shops):
    line = _line(cli("doctor"), "signing keys")
    assert line.startswith("FAIL") and "fix: run `assured keys init`" in line


def test_a_private_key_readable_by_others_fails_naming_the_file(cli, ready):
    key = sorted(get_settings().keys_path.glob("*.pem"))[0]
    key.chmod(0o644)
    result = cli("doctor")
    line = _line(result, "signing keys")
    assert result.code == 1 and str(key) in line and f"fix: chmod 600 {key}" in line


@pytest.mark.parametrize(
    ("name", "variable"),
    [("output folder", "ASSURED_OUTPUT_DIR"), ("outbox", "ASSURED_OUTBOX_DIR"), ("uploads", "ASSURED_UPLOADS_DIR")],
)
def test_a_folder_that_cannot_be_written_fails(cli, ready, tmp_path, monkeypatch, name, variable):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _setenv(monkeypatch, **{variable: str(blocker / "sub")})
    result = cli("doctor")
    line = _line(result, name)
    assert result.code == 1 and line.startswith("FAIL") and "not writable" in line and "fix:" in line


def test_an_unreachable_prefect_api_fails(cli, ready, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{_free_port()}/api")
    result = cli("doctor")
    line = _line(result, "Prefect API")
    assert result.code == 1 and "unreachable" in line and "fix: start `prefect server start`" in line


def test_production_wants_a_prefect_server_and_public_addresses(cli, ready, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    _setenv(monkeypatch, ASSURED_PRODUCTION="true")
    result = cli("doctor")
    assert result.code == 1
    assert "PREFECT_API_URL not set" in _line(result, "Prefect API")
    public = _line(result, "public URL")
    assert public.startswith("FAIL") and "ASSURED_VERIFY_BASE_URL=http://127.0.0.1:8000" in public
    _setenv(monkeypatch, ASSURED_VERIFY_BASE_URL="https://verify.scjg.hubei.gov.cn")
    assert _line(cli("doctor"), "public URL").startswith("ok ")


def test_a_configured_smtp_server_must_answer(cli, ready, smtp_server, monkeypatch):
    _setenv(monkeypatch, ASSURED_SMTP_HOST="127.0.0.1", ASSURED_SMTP_PORT=str(smtp_server.port))
    assert _line(cli("doctor"), "SMTP").startswith("ok ")
    _setenv(monkeypatch, ASSURED_SMTP_PORT=str(_free_port()))
    result = cli("doctor")
    line = _line(result, "SMTP")
    assert result.code == 1 and "unreachable" in line and "fix:" in line
