"""`assured` command line. Each area registers its commands from its own module.

Modules are imported when the CLI starts, but heavy libraries (Prefect, reportlab)
are imported inside the commands that need them, so `assured --help` stays fast.
"""
from __future__ import annotations

import importlib
import sys

import typer

from flows.commands.common import CliError
from registry.settings import configure_prefect, get_settings

app = typer.Typer(
    name="assured",
    help="Assured-consumption (放心消费) certification: registry, checks, review, certificates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module has `register(app)`; one line per area keeps the areas out of each other's files.
COMMAND_MODULES = [
    "flows.commands.registry_cmds",
    "flows.commands.generate_cmds",
    "flows.commands.demo_cmds",
    "flows.commands.checks_cmds",
    "flows.commands.workflow_cmds",
    "flows.commands.risk_cmds",
    "flows.commands.certificates_cmds",
    "flows.commands.publish_cmds",
    "flows.commands.monitoring_cmds",
]


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


@app.callback()
def _root() -> None:
    """Assured-consumption (放心消费) certification: registry, checks, review, certificates."""


def main(argv: list[str] | None = None) -> None:
    configure_prefect(get_settings())
    try:
        app(args=argv)  # standalone: click reports usage errors itself (exit 2)
    except CliError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
