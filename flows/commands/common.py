"""What every command shares: the one-line error and JSON output."""
from __future__ import annotations

import json
from typing import Any, NoReturn

import typer


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    raise CliError(message)


def emit_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
