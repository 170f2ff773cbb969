"""Alembic environment: runs on the connection `registry.db.upgrade` hands in."""

from alembic import context
from sqlalchemy import create_engine

import registry.workflow_models  # noqa: F401  (registers the workflow tables on Base)
from registry.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None  # registry.db sets it with the connection's configuration
    with create_engine(url).begin() as conn:
        run(conn)
