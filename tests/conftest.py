"""Shared fixtures: every test gets its own ASSURED_HOME and registry database.

`ASSURED_TEST_BACKEND=postgresql` runs the same tests against a real PostgreSQL
server started for the session (one fresh database per test); the default is a
SQLite file under the test's home.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import pytest

from flows.cli import main
from registry.settings import get_settings

BACKEND = os.environ.get("ASSURED_TEST_BACKEND", "sqlite")


def sqlite_all_postgresql_one(values: list, kept):
    """Parameters of a test that runs the same SQL for each of them: every one in the SQLite
    pass, only `kept` in the PostgreSQL pass (which is there to prove the dialect, not to
    repeat the values)."""
    assert kept in values
    return list(values) if BACKEND == "sqlite" else [kept]


@pytest.fixture(scope="session")
def pg_server():
    if BACKEND != "postgresql":
        yield None
        return
    from tests.support.pgserver import PgUnavailable, start

    try:
        server = start()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL backend requested but unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def new_database(tmp_path, monkeypatch, pg_server, request):
    """Point the settings at a fresh, empty registry database named `name` on the test backend."""

    def make(name: str) -> str:
        if pg_server is None:
            url = f"sqlite:///{tmp_path / (name + '.db')}"
        else:
            from tests.support.pgserver import create_database

            digest = hashlib.sha1(f"{request.node.nodeid}/{name}".encode()).hexdigest()[:16]
            url = create_database(pg_server, f"t_{digest}")
        monkeypatch.setenv("ASSURED_DATABASE_URL", url)
        get_settings.cache_clear()
        return url

    return make


@pytest.fixture
def home(tmp_path, monkeypatch, new_database):
    """An isolated instance: data folder under tmp_path and a fresh registry database."""
    h = tmp_path / "home"
    monkeypatch.setenv("ASSURED_HOME", str(h))
    # the portal assesses in a thread of the test's process: a child process a test (a new
    # environment each) would cost a second or two to start. Its own tests: test_portal_process.
    monkeypatch.setenv("ASSURED_PORTAL_ASSESSOR", "thread")
    new_database("registry")
    yield h
    get_settings.cache_clear()


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def session_token(username: str) -> str | None:
    """A signed-in session of the account `username` (as `assured login` makes), or None when
    there is no such account."""
    from sqlalchemy import select

    from registry.accounts import open_session
    from registry.db import begin_write, open_registry
    from registry.workflow_models import Account

    settings = get_settings()
    with begin_write(open_registry(settings.db_url)) as session:
        account = session.scalar(select(Account).where(Account.username == username))
        return None if account is None else open_session(session, account, settings, kind="cli", client="test").token


@pytest.fixture
def cli(home, capsys, monkeypatch):
    """Run `assured ARGS...` in-process through the real entry point; returns code, stdout, stderr.
    `--as NAME` among the arguments stands for `assured login NAME` first: the command runs with
    a session of that account in ASSURED_TOKEN (a session of nobody when there is no such account)."""
    tokens: dict[str, str | None] = {}

    def run(*args: str) -> CliResult:
        argv = [str(a) for a in args]
        if "--as" in argv:
            i = argv.index("--as")
            name = argv[i + 1]
            del argv[i : i + 2]
            if name not in tokens:
                tokens[name] = session_token(name)
            monkeypatch.setenv("ASSURED_TOKEN", tokens[name] or "not-a-session")
        else:
            monkeypatch.delenv("ASSURED_TOKEN", raising=False)
        capsys.readouterr()
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def table_dump(db_url: str) -> dict[str, list[tuple]]:
    """Every record table's rows (without surrogate ids), sorted: equal dumps = same data."""
    from sqlalchemy import select

    from registry.db import make_engine
    from registry.records import KINDS

    out = {}
    with make_engine(db_url).connect() as conn:
        for name, kind in KINDS.items():
            table = kind.model.__table__
            cols = [table.c[f] for f in kind.fields]
            out[name] = sorted(tuple(map(str, r)) for r in conn.execute(select(*cols)))
    return out


@pytest.fixture
def generate(cli, tmp_path):
    """Write a synthetic province with `assured generate`; returns its folder."""

    def make(businesses: int = 300, seed: int = 1, bad_rows: float = 0.0, fmt: str = "jsonl", name: str = "src"):
        out = tmp_path / name
        args = [
            "generate",
            "--businesses",
            businesses,
            "--seed",
            seed,
            "--out",
            out,
            "--format",
            fmt,
            "--as-of",
            "2026-06-30",
        ]
        if bad_rows:
            args += ["--bad-rows", bad_rows]
        result = cli(*args)
        assert result.code == 0, result.err
        return out

    return make


@pytest.fixture
def smtp_server():
    """A real local SMTP server (aiosmtpd) collecting what it receives."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


def _harness():
    """Prefect's test harness (a temporary server) in a temporary Prefect home, quiet, offline."""
    import tempfile

    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="assured-prefect-")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_SERVER_LEVEL"] = "CRITICAL"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    return prefect_test_harness(server_startup_timeout=120)


_SHARED_PREFECT = "ASSURED_TEST_SHARED_PREFECT"
_harness_key = pytest.StashKey()  # the controller's harness, closed when the run ends


def pytest_configure(config):
    """Under pytest-xdist the controlling process starts one Prefect test server for every
    worker before they start (each would otherwise start its own, about 10 s of both cores at
    the start of a run); the workers inherit its address."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(_harness())
    from prefect.settings import PREFECT_API_URL

    os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
    os.environ[_SHARED_PREFECT] = "1"
    config.stash[_harness_key] = stack


def pytest_unconfigure(config):
    stack = config.stash.get(_harness_key, None)
    if stack is not None:
        stack.close()


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session: the one the xdist controller started for
    all workers, or a temporary one started here, once."""
    if os.environ.get(_SHARED_PREFECT):
        yield
        return
    with _harness():
        # in the environment too, as under xdist: threads the web app starts (the portal's
        # Assessor, TestClient's event loop) do not inherit the harness's context variables
        from prefect.settings import PREFECT_API_URL

        before = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = before
