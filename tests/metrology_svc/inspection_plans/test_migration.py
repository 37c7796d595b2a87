"""1601: the plan tables appear on upgrade and go on downgrade, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from metrology_svc import migrate
from metrology_svc.db import build_engine
from tests.services import private_postgres

TABLES = {"inspection_plan", "inspection_plan_unit", "inspection_plan_target"}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of its own (a file, or a private PostgreSQL schema)."""
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'plans.db'}")
        yield engine
        engine.dispose()
        return
    with private_postgres("plans_migration") as engine:
        yield engine


def _tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) & TABLES


def test_upgrade_and_downgrade(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, revision="1102")
    assert _tables(fresh_engine) == set()
    migrate.upgrade(fresh_engine, revision="1601")
    assert _tables(fresh_engine) == TABLES
    uniques = sa.inspect(fresh_engine).get_unique_constraints("inspection_plan_target")
    assert {tuple(u["column_names"]) for u in uniques} >= {
        ("inspection_id",),
        ("plan_id", "site_id", "window_from"),
    }
    migrate.downgrade(fresh_engine, revision="1102")
    assert _tables(fresh_engine) == set()
    migrate.upgrade(fresh_engine, revision="1601")
    assert _tables(fresh_engine) == TABLES
