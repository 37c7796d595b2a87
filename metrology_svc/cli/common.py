"""Helpers shared by CLI commands: the engine from settings, the schema check, a console."""

import typer
from rich.console import Console
from sqlalchemy import Engine

from metrology_svc.db import build_engine, is_sqlite
from metrology_svc.settings import get_settings

console = Console(stderr=True)


def engine_from_settings() -> Engine:
    """Build the engine the settings point at."""
    settings = get_settings()
    return build_engine(
        settings.resolved_database_url(), busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )


def ensure_schema(engine: Engine) -> None:
    """Bring an embedded SQLite database up to date; refuse a PostgreSQL one that is behind.

    A shared PostgreSQL server is migrated on purpose (`metrology-svc db upgrade`), never as a
    side effect of starting one replica.
    """
    # Alembic and the reference data load only for the commands that touch the schema.
    from metrology_svc import migrate
    from metrology_svc.bootstrap import prepare_database

    if is_sqlite(engine):
        prepare_database(engine)
    elif migrate.current_revisions(engine) != migrate.head_revisions():
        console.print(
            "[red]Lược đồ CSDL chưa cập nhật / The database schema is not up to date: run "
            "`metrology-svc db upgrade` first.[/red]"
        )
        raise typer.Exit(code=2)
