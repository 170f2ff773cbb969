"""What every command shares: the one-line failure, the date option, JSON output and the
signed-in account of `assured login`."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, NoReturn

import typer

from checks.errors import AssuredError, Kind
from registry.accounts import SignedIn, resolve_session, touch_session
from registry.db import begin_write, open_registry
from registry.settings import get_settings


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


def token_path() -> Path:
    """Where `assured login` keeps its session token (mode 0600, in the home folder)."""
    return get_settings().home_path / "session-token"


def save_token(token: str) -> Path:
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    path.chmod(0o600)
    return path


def current_token() -> str | None:
    """`ASSURED_TOKEN`, else the token `assured login` saved."""
    token = os.environ.get("ASSURED_TOKEN")
    if token:
        return token.strip()
    path = token_path()
    return path.read_text().strip() if path.is_file() else None


def signed_in() -> SignedIn:
    """The account of the command's session; refused when there is none or it has ended."""
    settings = get_settings()
    with begin_write(open_registry(settings.db_url)) as session:
        who = resolve_session(session, current_token(), settings)
        if who is None:
            fail(
                "not signed in (or the session ended): run `assured login USERNAME`, or set ASSURED_TOKEN",
                Kind.refused,
            )
        touch_session(session, who)
        session.expunge(who.account)
        return who
