"""What every command shares: the one-line failure, the date option and JSON output."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NoReturn

import typer

from checks.errors import AssuredError, Kind


def fail(message: str, kind: Kind = Kind.bad_input) -> NoReturn:
    """Stop the command with one line for the user (the CLI maps `kind` to the exit code)."""
    raise AssuredError(message, kind=kind)


def emit_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def date_option(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option's value (None when not given), or the one-line error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date YYYY-MM-DD")
