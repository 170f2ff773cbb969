"""Registry commands: init, ingest, quarantine, generate, sources, sync."""
from __future__ import annotations

import typer

from registry.settings import get_settings


def register(app: typer.Typer) -> None:
    @app.command()
    def init() -> None:
        """Create or upgrade the registry database to the newest schema (safe to repeat)."""
        from registry.db import upgrade

        settings = get_settings()
        rev = upgrade(settings.db_url)
        typer.echo(f"registry ready at {settings.db_url} (schema {rev})")
