"""Pure certification rules: Evidence + Policy -> Assessment. No I/O, no database, no Prefect."""
