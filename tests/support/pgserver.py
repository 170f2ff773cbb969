"""A throwaway PostgreSQL server for tests and benchmarks, from the machine's binaries.

PostgreSQL refuses to run as root, so as root the data folder belongs to the
`postgres` user and the server runs as that user (`runuser`). Durability is off:
it is a scratch server.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PgUnavailable(RuntimeError):
    """What is missing to run PostgreSQL here, in one line."""


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PgUnavailable("PostgreSQL server binaries (initdb) not found; install Debian's postgresql package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    data: Path
    port: int
    bin: Path
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + database

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data.parent, ignore_errors=True)


def start(base: Path | None = None) -> PgServer:
    binary = bindir()
    root = Path(tempfile.mkdtemp(prefix="assured-pg-", dir=base))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            raise PgUnavailable("running as root and `runuser` is missing, so PostgreSQL cannot be started")
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            raise PgUnavailable("running as root and there is no `postgres` user to run the server") from None
        os.chown(root, pw.pw_uid, pw.pw_gid)
        root.chmod(0o755)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], capture_output=True, text=True, check=False)  # noqa: E731
    out = run(
        str(binary / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    if out.returncode != 0:
        raise PgUnavailable(f"initdb failed: {out.stderr.strip().splitlines()[-1:]}")
    opts = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        f"-c full_page_writes=off -c max_connections=200"
    )
    out = run(str(binary / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start")
    if out.returncode != 0:
        raise PgUnavailable(f"pg_ctl start failed: {out.stderr.strip()} (log: {root / 'log'})")
    return PgServer(data, port, binary, as_user)


def create_database(server: PgServer, name: str) -> str:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return server.url_for(name)
