"""`assured` command line: one Typer app per area (flows/commands/), merged here; every
failure is an `AssuredError`, caught once and mapped to an exit code by its kind.

Heavy libraries (Prefect, Dask, reportlab, scikit-learn, the web server) are imported in
the commands that run them, so `assured --help` stays fast.
"""

from __future__ import annotations

import sys

import typer

from checks.errors import AssuredError, Kind
from flows.commands import (
    accounts_cmds,
    certificates_cmds,
    checks_cmds,
    demo_cmds,
    generate_cmds,
    monitoring_cmds,
    ops_cmds,
    publish_cmds,
    registry_cmds,
    risk_cmds,
    workflow_cmds,
)
from registry.settings import configure_prefect, get_settings

# Click exits 2 on a usage error; a refused or failed command exits 2 too, whatever its kind.
EXIT_CODES = {
    Kind.bad_input: 2,
    Kind.refused: 2,
    Kind.not_found: 2,
    Kind.conflict: 2,
    Kind.unavailable: 2,
    Kind.rate_limited: 2,
    Kind.too_large: 2,
    Kind.unsupported: 2,
}
# `assured --help` lists the commands in this order, then the command groups in this order.
AREAS = (
    registry_cmds,
    generate_cmds,
    demo_cmds,
    checks_cmds,
    workflow_cmds,
    accounts_cmds,
    risk_cmds,
    certificates_cmds,
    publish_cmds,
    monitoring_cmds,
    ops_cmds,
)

app = typer.Typer(
    name="assured",
    help="Assured-consumption (放心消费) certification: registry, checks, review, certificates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for _area in AREAS:
    app.add_typer(_area.commands)
for _area in AREAS:
    for _group in _area.GROUPS:
        app.add_typer(_group)


@app.callback()
def _root() -> None:
    """Assured-consumption (放心消费) certification: registry, checks, review, certificates."""


def main(argv: list[str] | None = None) -> None:
    configure_prefect(get_settings())
    try:
        app(args=argv)  # standalone: click reports usage errors itself (exit 2)
    except AssuredError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CODES[exc.kind])
