"""CLI commands, one module per area: its `commands` app (merged into `assured`) and its `GROUPS`."""
