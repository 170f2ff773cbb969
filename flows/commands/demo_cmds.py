"""`assured demo`: the main job on a fresh demo home."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from flows.commands.common import emit_json
from flows.commands.registry_cmds import counts_table


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        businesses: Annotated[int, typer.Option(help="size of the generated province")] = 3000,
        seed: Annotated[int, typer.Option(help="random seed")] = 7,
        as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    ) -> None:
        """Run the main job end to end on a fresh demo home (<ASSURED_HOME>/demo) and summarise."""
        from flows.demo import run

        console = Console(stderr=as_json)
        summary = run(businesses, seed, console)
        if as_json:
            emit_json(summary)
            return
        console.print(counts_table("ingested", summary["ingest"]))
        console.print(f"demo home: {summary['home']}\ndatabase:  {summary['database']}")
