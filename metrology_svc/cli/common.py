"""Helpers shared by CLI commands: the engine from settings, the schema check, a console."""

import os
import stat
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from metrology_svc.db import build_engine, is_sqlite
from metrology_svc.settings import get_settings

console = Console(stderr=True)


# What the long-running commands (serve, api, ingest, scheduler) create is theirs and their
# group's, never the world's: letters, reports, keys, the database and its WAL (rw-r----- for
# files, rwxr-x--- for folders).
SERVICE_UMASK = 0o027
DATABASE_MODE = 0o600  # the SQLite file holds webhook secrets and password hashes


def restrict_new_files() -> None:
    """Make every file this process creates from now on unreadable to other users."""
    os.umask(SERVICE_UMASK)


def protect_sqlite_file(url: str) -> Path | None:
    """Create the SQLite file of the URL as 0600, or take group and world bits off an old one.

    SQLite gives its -wal and -shm files the database file's mode, so they follow. Returns
    the file, or None for another database or an in-memory one.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database))
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, DATABASE_MODE))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists() and each.stat().st_uid == os.geteuid():
            mode = stat.S_IMODE(each.stat().st_mode)
            if mode & 0o077:
                each.chmod(mode & 0o700)
    return path


def engine_from_settings() -> Engine:
    """Build the engine the settings point at (a SQLite file is made or kept 0600)."""
    settings = get_settings()
    protect_sqlite_file(settings.resolved_database_url())
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
    from metrology_svc.bootstrap import prepare_database, seal_secrets

    if is_sqlite(engine):
        prepare_database(engine)
        seal_secrets(engine, get_settings())
    elif migrate.current_revisions(engine) != migrate.head_revisions():
        console.print(
            "[red]Lược đồ CSDL chưa cập nhật / The database schema is not up to date: run "
            "`metrology-svc db upgrade` first.[/red]"
        )
        raise typer.Exit(code=2)
