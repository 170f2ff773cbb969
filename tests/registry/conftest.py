"""Registry fixtures: a migrated, empty registry under the test's home, with a session on it."""

from __future__ import annotations

import pytest

from registry.db import session_factory, upgrade
from registry.settings import get_settings


@pytest.fixture
def registry_session(home):
    url = get_settings().db_url
    upgrade(url)
    with session_factory(url)() as session:
        yield session
