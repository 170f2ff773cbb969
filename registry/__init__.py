"""System of record: models, migrations, ingest, HTTP sources, evidence assembly."""
