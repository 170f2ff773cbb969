"""The CLI's frame: every exception class of the project is an AssuredError with a kind, the CLI
has an exit code for every kind, and it starts without its heavy libraries."""

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks.errors import AssuredError, Kind
from flows.cli import EXIT_CODES

PACKAGES = ("checks", "registry", "certificates", "documents", "flows")


def _project_exceptions() -> list[type]:
    found = []
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if info.name.endswith("__main__") or ".migrations" in info.name:
                continue  # runs the CLI / Alembic on import
            module = importlib.import_module(info.name)
            found += [
                obj
                for obj in vars(module).values()
                if isinstance(obj, type)
                and issubclass(obj, BaseException)
                and obj.__module__ == info.name
                and obj is not AssuredError
            ]  # the base: its kind is each raise's
    return found


@pytest.mark.parametrize("cls", _project_exceptions(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_exception_class_is_an_assured_error_with_a_kind(cls):
    assert issubclass(cls, AssuredError)
    assert isinstance(cls.kind, Kind)


def test_every_kind_has_an_exit_code():
    assert set(EXIT_CODES) == set(Kind)


def test_a_refusal_from_deep_in_the_registry_is_one_line_and_exit_2(cli):
    result = cli("applications", "show", 999)
    assert result.code == 2
    assert result.err == "error: application 999: no such application\n"


def test_the_cli_starts_without_its_heavy_libraries():
    """`assured --help` stays fast: Prefect, Dask, reportlab, scikit-learn and the web stack load
    only in the commands that use them."""
    heavy = ("prefect", "dask", "reportlab", "sklearn", "fastapi", "uvicorn", "pyhanko")
    code = f"import sys, flows.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    ).stdout
    assert out.strip() == "[]"
