"""Dynamic management commands: recheck, suspend, revoke, reinstate."""

from __future__ import annotations

from typing import Annotated

import typer

from certificates.data import CertificateNumber
from certificates.status import CertificateState
from checks import calendar
from flows.commands.common import date_option, emit_json, signed_in

REASON_HELP = "a reason code (see `assured certificate status`) or the reason in words"

commands = typer.Typer()
GROUPS: tuple[typer.Typer, ...] = ()


@commands.command()
def recheck(
    as_of: Annotated[str | None, typer.Option(help="recheck as of YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="summary and findings as JSON")] = False,
) -> None:
    """Recheck every certified business: suspend on a new veto, warn on a complaint spike or a low
    reconciliation rate (suspend if it persists to the next recheck), note expiries; notify."""
    from flows.recheck import recheck_flow  # Prefect: only when a recheck runs

    result = recheck_flow(as_of=date_option(as_of, "--as-of"))
    if as_json:
        emit_json(result)
        return
    typer.echo(
        f"recheck {result['as_of']} (previous: {result['previous'] or 'none'}): "
        f"{result['certificates']:,} certificates in {result['tasks']} tasks"
    )
    typer.echo("actions: " + (", ".join(f"{k} {v}" for k, v in result["actions"].items()) or "none"))
    for f in result["findings"]:
        if f["action"] != "noted":
            typer.echo(f"  {f['number']}  {f['action']:<12} {f['check_id']:<28} {f['reason_zh']}")
    typer.echo(f"worklist: {result['worklist'][0]}")


def _change(number: str, to: CertificateState, reason: str | None, note: str, on: str | None, as_json: bool) -> None:
    """The status change, made by the signed-in account (`assured login`)."""
    from flows.recheck import reviewer_change  # Prefect: only when a status changes

    ascii_number = CertificateNumber.parse(number).ascii
    day = date_option(on, "--on") or calendar.today()
    who = signed_in()
    result = reviewer_change(ascii_number, to, who.account.username, reason, note, day, who.session_id)
    if as_json:
        emit_json(result)
    else:
        typer.echo(
            f"{result['number']}: {result['status']} ({result['reason']}) on {result['on']}; "
            f"notice {result['notice']}; status lists republished"
        )


@commands.command()
def suspend(
    number: str,
    reason: Annotated[str, typer.Option(help=REASON_HELP)],
    note: str = "",
    on: Annotated[str | None, typer.Option(help="date, default today")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Suspend a certificate (reversible with reinstate); the business is notified."""
    _change(number, CertificateState.suspended, reason, note, on, as_json)


@commands.command()
def revoke(
    number: str,
    reason: Annotated[str, typer.Option(help=REASON_HELP + " (words keep the suspension's code)")],
    note: str = "",
    on: Annotated[str | None, typer.Option(help="date, default today")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Confirm a suspension as revocation (final-stage reviewer). Irreversible and published."""
    _change(number, CertificateState.revoked, reason, note, on, as_json)


@commands.command()
def reinstate(
    number: str,
    reason: Annotated[str | None, typer.Option(help=REASON_HELP)] = None,
    note: str = "",
    on: Annotated[str | None, typer.Option(help="date, default today")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Lift a suspension once nothing stands against the business (checked on fresh evidence)."""
    _change(number, CertificateState.valid, reason, note, on, as_json)
