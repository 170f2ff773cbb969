"""One Prefect test harness for the whole session (a temp server, started once)."""
from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    home = tempfile.mkdtemp(prefix="assured-prefect-")
    os.environ["PREFECT_HOME"] = home
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_SERVER_LEVEL"] = "CRITICAL"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
