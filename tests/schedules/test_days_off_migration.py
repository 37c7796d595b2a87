"""1605: the office days-off table appears on upgrade and goes on downgrade (SQLite, PostgreSQL)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from metrology_svc import migrate
from metrology_svc.db import build_engine
from tests.services import private_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (a file, or a private PostgreSQL schema)."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'days_off.db'}")
        yield engine
        engine.dispose()
        return
    with private_postgres("days_off_migration") as engine:
        yield engine


def _has_table(engine: Engine) -> bool:
    return "office_day_off" in sa.inspect(engine).get_table_names()


def test_upgrade_and_downgrade(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, revision="1604")
    assert not _has_table(fresh_engine)
    migrate.upgrade(fresh_engine, revision="1605")
    assert _has_table(fresh_engine)
    uniques = sa.inspect(fresh_engine).get_unique_constraints("office_day_off")
    assert ("unit_id", "day") in {tuple(u["column_names"]) for u in uniques}
    migrate.downgrade(fresh_engine, revision="1604")
    assert not _has_table(fresh_engine)
    migrate.upgrade(fresh_engine, revision="1605")
    assert _has_table(fresh_engine)
