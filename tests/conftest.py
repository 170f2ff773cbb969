"""Shared fixtures: every test gets its own ASSURED_HOME and SQLite database."""
from __future__ import annotations

import pytest

from registry.settings import get_settings


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An isolated instance: data folder and SQLite database under tmp_path."""
    h = tmp_path / "home"
    monkeypatch.setenv("ASSURED_HOME", str(h))
    monkeypatch.delenv("ASSURED_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield h
    get_settings.cache_clear()
