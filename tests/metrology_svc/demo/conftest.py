"""Demo tests: a pinned today, one generated demo per backend, a private SQLite file for the CLI."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from metrology_svc.demo.loader import generate
from metrology_svc.demo.plan import DEFAULT_INSTRUMENTS
from metrology_svc.settings import Settings, get_settings

TODAY = date(2026, 3, 15)


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the settings at a fresh data directory; yield the database file path."""
    monkeypatch.setenv("METROLOGY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("METROLOGY_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "metrology.db"
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def demo_db(engine: Engine) -> Iterator[Session]:
    """One default-size demo per backend and module, read by its tests, rolled back at the end."""
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    generate(session, settings=Settings(), today=TODAY, seed=42, instruments=DEFAULT_INSTRUMENTS)
    session.flush()
    yield session
    session.close()
    trans.rollback()
    conn.close()
