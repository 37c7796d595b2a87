"""A fresh, empty database per test for the migration tests, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from metrology_svc.db import build_engine
from tests.services import private_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (a file, or a private PostgreSQL schema)."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    with private_postgres("migration") as engine:
        yield engine
