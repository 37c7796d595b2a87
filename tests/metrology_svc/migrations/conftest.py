"""A fresh, empty database per test for the migration tests, on SQLite and PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from metrology_svc.db import build_engine, database_ready
from tests.services import missing


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (a file, or a private PostgreSQL schema)."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    url = os.environ.get("METROLOGY_TEST_DATABASE_URL", "")
    if not url:
        missing("METROLOGY_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    admin = build_engine(url)
    if not database_ready(admin):
        missing(f"PostgreSQL not reachable at {url}")
    schema = f"m0803_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    private = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = build_engine(private.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
