"""Accounts and signing in: accounts add | list | change | disable | reset-password | unlock, login, logout.

Managing accounts is for a signed-in admin once an admin account exists; before that (a new
registry) the command line may create the first one.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from checks.errors import Kind
from flows.commands.common import current_token, emit_json, fail, save_token, signed_in, token_path
from registry.account_admin import (
    account_rows,
    add_account,
    change_account,
    disable_account,
    has_admin,
    reset_password,
    unlock_account,
)
from registry.accounts import ROLES, SignInError, authenticate, change_password, end_session, open_session
from registry.db import begin_write, open_registry
from registry.settings import get_settings

commands = typer.Typer()
accounts = typer.Typer(name="accounts", help="Reviewer, supervisor and admin accounts.", no_args_is_help=True)
GROUPS = (accounts,)


def _factory():
    return open_registry(get_settings().db_url)


def _admin() -> str:
    """The actor managing accounts: a signed-in admin, or the operator while no admin exists."""
    with _factory()() as session:
        if not has_admin(session):
            return "operator"
    who = signed_in()
    if who.account.role != "admin":
        fail(f"account {who.account.username!r} is a {who.account.role}: managing accounts is for admins", Kind.refused)
    return who.actor


def _read_secret(prompt: str, confirm: bool = False) -> str:
    """A password from the terminal (hidden), or one line of stdin when it is not a terminal."""
    if sys.stdin.isatty():
        return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline()
    if not line:
        fail(f"{prompt}: nothing on standard input")
    return line.rstrip("\n")


@accounts.command("add")
def accounts_add(
    username: Annotated[str, typer.Argument(help="sign-in name (unique)")],
    stage: Annotated[str | None, typer.Option(help="review stage decided (reviewer, supervisor)")] = None,
    region: Annotated[str, typer.Option(help="region code prefix covered, e.g. 420102, 4201, 42")] = "42",
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")] = "reviewer",
    tie: Annotated[list[str] | None, typer.Option(help="USCC of a business this person is tied to")] = None,
    name: Annotated[str, typer.Option(help="display name")] = "",
    email: Annotated[str | None, typer.Option(help="e-mail for deadline reminders")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
) -> None:
    """Create an account; prints a one-time password (changed at the first sign-in) unless
    --password-stdin gives one."""
    actor = _admin()
    password = _read_secret("password") if password_stdin else None
    s = get_settings()
    with begin_write(_factory()) as session:
        _, one_time = add_account(
            session,
            username,
            role=role,
            stage=stage,
            region_prefix=region,
            settings=s,
            ties=tie or [],
            display_name=name,
            email=email,
            password=password,
            actor=actor,
        )
    typer.echo(f"account {username} added: {role}, {stage or 'no'} stage, region {region}")
    if one_time:
        typer.echo(f"one-time password (shown once, changed at the first sign-in): {one_time}")


@accounts.command("list")
def accounts_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List accounts (never their passwords)."""
    with _factory()() as session:
        rows = account_rows(session)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        state = "disabled" if not r["active"] else "locked" if r["locked"] else "active"
        pw = "" if r["password_set"] else " (password not set)"
        typer.echo(f"{r['username']:<20} {r['role']:<10} {r['stage'] or '-':<10} {r['region']:<8} {state}{pw}")


@accounts.command("change")
def accounts_change(
    username: Annotated[str, typer.Argument(help="account")],
    role: Annotated[str | None, typer.Option(help=f"one of {', '.join(ROLES)}")] = None,
    stage: Annotated[str | None, typer.Option(help="review stage decided")] = None,
    region: Annotated[str | None, typer.Option(help="region code prefix covered")] = None,
    tie: Annotated[list[str] | None, typer.Option(help="USCC of a business tied to (replaces the list)")] = None,
    email: Annotated[str | None, typer.Option(help="e-mail for deadline reminders")] = None,
) -> None:
    """Change an account's role, stage, region, ties or e-mail (audited; a changed scope ends its sessions)."""
    actor = _admin()
    with begin_write(_factory()) as session:
        a = change_account(
            session,
            username,
            get_settings(),
            actor,
            role=role,
            stage=stage,
            region_prefix=region,
            ties=tie,
            email=email,
        )
        typer.echo(f"account {username}: {a.role}, {a.stage or 'no'} stage, region {a.region_prefix}")


@accounts.command("disable")
def accounts_disable(username: Annotated[str, typer.Argument(help="account")]) -> None:
    """Disable an account (kept for the record) and end its sessions."""
    actor = _admin()
    with begin_write(_factory()) as session:
        disable_account(session, username, actor)
    typer.echo(f"account {username} disabled")


@accounts.command("reset-password")
def accounts_reset_password(username: Annotated[str, typer.Argument(help="account")]) -> None:
    """Give the account a new one-time password (printed once) and end its sessions."""
    actor = _admin()
    with begin_write(_factory()) as session:
        password = reset_password(session, username, actor)
    typer.echo(f"one-time password for {username} (shown once, changed at the first sign-in): {password}")


@accounts.command("unlock")
def accounts_unlock(username: Annotated[str, typer.Argument(help="account")]) -> None:
    """Lift a lock left by wrong passwords."""
    actor = _admin()
    with begin_write(_factory()) as session:
        unlock_account(session, username, actor)
    typer.echo(f"account {username} unlocked")


@commands.command()
def login(username: Annotated[str, typer.Argument(help="your account")]) -> None:
    """Sign in for the commands that act as you (review, objections, suspend, revoke, reinstate);
    the session token is kept in the home folder (mode 0600). A one-time password is changed here."""
    s = get_settings()
    password = _read_secret("password")
    with begin_write(_factory()) as session:
        try:
            account = authenticate(session, username, password, s, client="cli")
        except SignInError as exc:
            error = exc
        else:
            error = None
            if account.must_change_password:
                new = _read_secret("new password (the one-time password must be changed)", confirm=True)
                change_password(session, account, password, new, s)
            token = open_session(session, account, s, kind="cli", client="cli").token
    if error is not None:  # raised after the commit: failed attempts and locks must count
        raise error
    path = save_token(token)
    typer.echo(f"signed in as {username}; session kept in {path} (ends after {s.session_max_hours:g} h)")


@commands.command()
def logout() -> None:
    """End the command line's session."""
    token = current_token()
    if token:
        with begin_write(_factory()) as session:
            end_session(session, token)
    token_path().unlink(missing_ok=True)
    typer.echo("signed out")
