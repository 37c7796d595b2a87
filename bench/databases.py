"""Databases the benchmarks measure on: the test PostgreSQL server, and private schemas on it."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, make_url, text

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, database_ready


def pg_url() -> str | None:
    """Return a reachable PostgreSQL URL (the test server by default), or None."""
    url = (
        os.environ.get("METROLOGY_TEST_DATABASE_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    probe = build_engine(url)
    try:
        return url if database_ready(probe) else None
    finally:
        probe.dispose()


@contextmanager
def postgres_db(url: str, prefix: str) -> Iterator[Engine]:
    """A fresh migrated private schema on a PostgreSQL server, dropped afterwards."""
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = build_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = build_engine(scoped.render_as_string(hide_password=False))
    try:
        prepare_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def sqlite_db(path: Path) -> Iterator[Engine]:
    """A fresh migrated SQLite file at `path`, removed afterwards (with its WAL files)."""
    engine = build_engine(f"sqlite:///{path}")
    try:
        prepare_database(engine)
        yield engine
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
