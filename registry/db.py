"""Engine, the one session factory, and schema upgrades (Alembic)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from checks.extras import require

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_connect(dbapi_conn, _record) -> None:
    # Let SQLAlchemy, not pysqlite, say BEGIN (the documented recipe that makes
    # SAVEPOINT work), and set the pragmas every connection needs.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


@lru_cache(maxsize=8)
def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            # the home folder private (0700) when we make it, the registry file 0600 (its -wal and
            # -shm files take the same mode from it)
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            Path(path).touch(mode=0o600, exist_ok=True)
            os.chmod(path, 0o600)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql"):
        require("psycopg", "postgres", "PostgreSQL")
    return create_engine(url, pool_pre_ping=True)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(make_engine(url), expire_on_commit=False)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> str:
    """Bring the schema to the newest migration; safe to run any number of times."""
    engine = make_engine(url)
    # a write transaction from the start: two processes upgrading one SQLite file queue for it
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        return MigrationContext.configure(conn).get_current_revision() or ""


@lru_cache(maxsize=8)
def open_registry(url: str) -> sessionmaker[Session]:
    """The session factory for a registry brought to the newest schema (once per process)."""
    upgrade(url)
    return session_factory(url)


WRITER_WAIT_SECONDS = 30  # as long as SQLite's busy timeout: then SQLite itself says it is locked


class _Writers:
    """The queue for one SQLite file's write lock: the threads of this process on an RLock, and
    the processes (`assured web` and its assessor, a worker, the command line) on an advisory
    lock on `<file>.writers` beside it, tried every millisecond or so. SQLite's own busy handler
    sleeps up to 100 ms a try: against a process that writes often it can wait for seconds
    while the lock stands free between that process's transactions."""

    def __init__(self, database: str | None) -> None:
        self.lock = threading.RLock()
        self.depth = 0  # the holding thread's nested write transactions
        self.fd: int | None = None
        if database and database != ":memory:" and not database.startswith("file:"):
            with suppress(OSError):  # a read-only folder: SQLite's busy handler alone, as before
                self.fd = os.open(f"{database}.writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def acquire(self) -> bool:
        if not self.lock.acquire(timeout=WRITER_WAIT_SECONDS):
            return False
        self.depth += 1
        if self.depth == 1 and self.fd is not None:
            _lock_file(self.fd, time.monotonic() + WRITER_WAIT_SECONDS)
        return True

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.lock.release()


def _lock_file(fd: int, deadline: float) -> None:
    """The advisory lock on `fd`, tried every 0.2-2 ms until `deadline`."""
    pause = 0.0002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:  # then SQLite's busy timeout decides, as before
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


_WRITERS: dict[Engine, _Writers] = {}
_WRITERS_GUARD = threading.Lock()


@contextmanager
def _sqlite_writer(factory: sessionmaker[Session]) -> Iterator[None]:
    """On SQLite, writers queue for the write lock on locks of their own (`_Writers`): each is
    woken the moment the one before commits, where SQLite's busy handler would have them poll
    and sleep (up to 100 ms a try) while the lock stands free."""
    engine = factory.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        yield
        return
    with _WRITERS_GUARD:
        writers = _WRITERS.get(engine)
        if writers is None:
            writers = _WRITERS[engine] = _Writers(engine.url.database)
    held = writers.acquire()
    try:
        yield
    finally:
        if held:
            writers.release()


@contextmanager
def begin_write(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that will write: on SQLite it takes the write lock up front
    (BEGIN IMMEDIATE), so two deciders queue instead of failing on a stale snapshot."""
    with _sqlite_writer(factory), factory() as session, session.begin():
        session.connection(execution_options={"write": True})
        yield session
