"""What every command shares: the one-line error and JSON output."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, NoReturn

import typer


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def emit_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def date_option(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option's value, or the one-line error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date YYYY-MM-DD")


def run_refusable(fn, *args, **kwargs):
    """Run a step; a refusal (WorkflowError) becomes the one-line error."""
    from registry.applications import WorkflowError

    try:
        return fn(*args, **kwargs)
    except WorkflowError as exc:
        fail(str(exc))
