"""A `prefect server` of its own, in a child process, for the benchmarks (warm for a whole run, as
a bureau runs one) and the tests of Prefect's own settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def prefect_server(home: Path, **env: str) -> Iterator[str]:
    """A server with its home under `home` and `env` added to its environment (its database, an
    auth string), up and answering its health check; its API URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = f"http://127.0.0.1:{port}/api"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
        env=dict(
            os.environ,
            PREFECT_HOME=str(home / "prefect-server"),
            PREFECT_API_URL=api,
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            **env,
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if urllib.request.urlopen(f"{api}/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not start within 180 s")
            time.sleep(1)
        yield api
    finally:
        proc.terminate()
        proc.wait(30)
