"""One error type: every exception class of the project is an AssuredError with a kind, and the
CLI has an exit code for every kind."""
import importlib
import pkgutil

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
            found += [obj for obj in vars(module).values()
                      if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == info.name
                      and obj is not AssuredError]  # the base: its kind is each raise's
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
