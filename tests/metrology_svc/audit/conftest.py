"""Audit tests that need committed data: a private PostgreSQL schema, or a SQLite file."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine
from tests.services import private_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of its own whose data really commits; dropped afterwards."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'audit.db'}")
        prepare_database(engine)
        yield engine
        engine.dispose()
        return
    with private_postgres("t") as engine:
        prepare_database(engine)
        yield engine
