"""Migrations are the only source of the schema: they must build exactly what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

import metrology_svc.models  # noqa: F401
from metrology_svc import migrate


def test_database_is_at_every_head(engine: Engine) -> None:
    assert migrate.current_revisions(engine) == migrate.head_revisions()


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": migrate.schema_filter(conn.dialect.name)}
        context = MigrationContext.configure(conn, opts=opts)
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == []


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert migrate.current_revisions(engine) == migrate.head_revisions()
