"""Alembic environment: runs on the connection or URL handed over by metrology_svc.migrate."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import metrology_svc.models  # noqa: F401  (fills SQLModel.metadata)
from metrology_svc.db import build_engine
from metrology_svc.migrate import schema_filter

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=schema_filter(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the given connection, or on a fresh engine for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = build_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline SQL generation is not supported; run `metrology-svc db upgrade`.")
run_migrations_online()
