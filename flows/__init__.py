"""Prefect flows and tasks wiring checks, registry and certificates; the CLI."""
