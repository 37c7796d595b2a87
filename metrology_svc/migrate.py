"""Bring a database schema up to date through Alembic, and load reference data."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, ForeignKeyConstraint

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Foreign keys the models declare that PostgreSQL checks with statement-level triggers instead
# (migration 1704: one check per batch of readings, not one per row): (table, columns).
TRIGGER_CHECKED_KEYS = frozenset({("reading", ("device_id",)), ("reading", ("site_id",))})


def schema_filter(dialect: str) -> Callable[..., bool]:
    """Return Alembic's include_object for a dialect: leave out what the models state but the
    database enforces another way, so comparing and autogenerating see no difference."""

    def include(
        obj: object, _name: str | None, type_: str, _reflected: bool, _other: object
    ) -> bool:
        if dialect == "postgresql" and isinstance(obj, ForeignKeyConstraint):
            columns = tuple(obj.column_keys)
            return (obj.parent.name, columns) not in TRIGGER_CHECKED_KEYS
        return True

    return include


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for a database URL (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, *, revision: str = "heads") -> None:
    """Upgrade the database behind the engine to the revision, in one transaction."""
    _run(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, *, revision: str) -> None:
    """Downgrade the database behind the engine to the revision, in one transaction."""
    _run(engine, lambda config: command.downgrade(config, revision))


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run a migration step in one transaction.

    On SQLite a batch migration rebuilds a table (copy, drop, rename) that other tables point
    at; with foreign keys enforced the drop fails, and deferring does not help (SQLite counts
    the dropped references and never uncounts them). So the keys are switched off for the
    connection, which can only be done outside a transaction, and checked as a whole before
    the commit: a migration that leaves a dangling reference is rolled back.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if raw is not None:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise RuntimeError(f"migration left dangling references: {dangling[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def head_revisions() -> set[str]:
    """Return the newest revision of every migration branch."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """Return the revisions the database is at (one per branch)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
