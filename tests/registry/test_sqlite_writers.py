"""The SQLite writer queue across processes (registry.db `_Writers`): a process in a write
transaction holds the advisory lock on `<db>.writers` beside the file, which another process
(`assured web` and its assessor child, a worker, the command line) then waits for, instead of
polling through SQLite's busy handler."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from registry.db import begin_write, open_registry
from registry.settings import get_settings
from registry.workflow_models import Application
from tests.conftest import BACKEND


@pytest.mark.skipif(BACKEND != "sqlite", reason="the writer queue is SQLite's; PostgreSQL has row locks")
def test_a_process_in_a_write_transaction_holds_the_writers_lock_another_process_waits_for(home, tmp_path):
    url = get_settings().db_url
    database = url.removeprefix("sqlite:///")
    probe = textwrap.dedent(
        f"""
        import fcntl, os, sys
        fd = os.open({database + ".writers"!r}, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.exit(3)
        """
    )
    factory = open_registry(url)
    with begin_write(factory) as session:
        session.execute(select(Application.id)).all()
        held = subprocess.run([sys.executable, "-c", probe], check=False)
    free = subprocess.run([sys.executable, "-c", probe], check=False)

    assert held.returncode == 3  # while this process writes, another cannot take the lock
    assert free.returncode == 0  # and it is free once the transaction is over
    assert oct(os.stat(database + ".writers").st_mode & 0o777) == "0o600"
