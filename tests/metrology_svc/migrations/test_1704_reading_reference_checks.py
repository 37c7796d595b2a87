"""1704: a reading's device and site are checked per statement on PostgreSQL, as strictly as
the foreign keys did (and SQLite keeps its foreign keys): the same refusals on both databases,
through the ORM and through the ingest's bulk insert (COPY and unnest paths)."""

from datetime import timedelta
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.readings import bulk
from metrology_svc.readings.models import Device, Reading
from tests.devices.ingest.support import T0, Market, seed_market

# The COPY path runs on the driver's cursor, so its refusal is psycopg's own IntegrityError.
REFUSED = (IntegrityError, psycopg.IntegrityError)


def _row(market: Market, seq: int, **changes: Any) -> dict[str, Any]:
    row = {
        "device_id": market.device_id,
        "boot": "b1",
        "seq": seq,
        "site_id": market.world.market_a,
        "measured_at": T0 + timedelta(seconds=seq),
        "received_at": T0 + timedelta(seconds=seq),
        "net_g": 1000.0,
        "stable": True,
        "trusted": True,
        "short": False,
    }
    return row | changes


def _insert(engine: Engine, rows: list[dict[str, Any]], *, returning: bool) -> int:
    """Insert as the ingest does (COPY without returning on PostgreSQL, unnest with)."""
    tables = SQLModel.metadata.tables
    with new_session(engine) as session:
        count, _ = bulk.insert_new(
            session.connection(),
            tables["reading"],
            rows,
            returning=returning,
            unless_in=tables["selfcheck"],
        )
        session.commit()
    return count


@pytest.fixture
def market(fresh_engine: Engine) -> Market:
    return seed_market(fresh_engine)


def test_readings_of_known_devices_and_sites_are_stored_and_a_bad_batch_is_refused_whole(
    fresh_engine: Engine, market: Market
) -> None:
    # Both insert paths (COPY without returning on PostgreSQL, unnest with), one world each
    # backend: an unknown device or site anywhere in a batch refuses the whole batch.
    for returning in (False, True):
        for bad in ({"device_id": "no-such-device"}, {"site_id": 999_999}):
            rows = [_row(market, s) for s in range(1, 50)] + [_row(market, 50, **bad)]
            with pytest.raises(REFUSED):
                _insert(fresh_engine, rows, returning=returning)
            with new_session(fresh_engine) as session:
                assert session.scalar(sa.select(sa.func.count()).select_from(Reading)) == 0
    first = [_row(market, s) for s in range(1, 301)]
    assert _insert(fresh_engine, first, returning=False) == 300
    again = [_row(market, s) for s in range(301, 601)]
    assert _insert(fresh_engine, again, returning=True) == 300


def test_the_orm_cannot_insert_or_move_a_reading_to_an_unknown_device(
    fresh_engine: Engine, market: Market
) -> None:
    with new_session(fresh_engine) as session:
        session.add(Reading(**_row(market, 1, device_id="ghost")))
        with pytest.raises(IntegrityError):
            session.commit()
    _insert(fresh_engine, [_row(market, 1)], returning=False)
    # Refused by the statement itself, as a key does.
    with new_session(fresh_engine) as session, pytest.raises(IntegrityError):
        session.execute(sa.update(Reading).values(site_id=999_999))


def test_a_device_or_site_readings_name_cannot_be_deleted(
    fresh_engine: Engine, market: Market
) -> None:
    _insert(fresh_engine, [_row(market, 1)], returning=False)
    statements: list[sa.Executable] = [
        sa.delete(Device).where(col(Device.id) == market.device_id),
        sa.text("DELETE FROM site WHERE id = :id").bindparams(id=market.world.market_a),
        sa.update(Device).where(col(Device.id) == market.device_id).values(id="renamed"),
    ]
    for statement in statements:
        with new_session(fresh_engine) as session, pytest.raises(IntegrityError):
            session.execute(statement)
    with new_session(fresh_engine) as session:  # once no reading names it, it can go
        session.execute(sa.delete(Reading))
        session.execute(sa.delete(Device).where(col(Device.id) == market.device_id))
        session.commit()


def test_postgresql_checks_by_trigger_and_downgrade_restores_the_keys(
    fresh_engine: Engine, market: Market
) -> None:
    keys = {
        tuple(k["constrained_columns"])
        for k in sa.inspect(fresh_engine).get_foreign_keys("reading")
    }
    if fresh_engine.dialect.name == "sqlite":
        assert keys == {("device_id",), ("site_id",)}
        return
    assert keys == set()
    migrate.downgrade(fresh_engine, revision="1703")
    keys = {
        tuple(k["constrained_columns"])
        for k in sa.inspect(fresh_engine).get_foreign_keys("reading")
    }
    assert keys == {("device_id",), ("site_id",)}
    with new_session(fresh_engine) as session:
        triggers = session.scalar(
            sa.text(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE 'reading_%' AND NOT t.tgisinternal"
                " AND c.relnamespace = current_schema()::regnamespace"
            )
        )
    assert triggers == 0
    migrate.upgrade(fresh_engine)
    with pytest.raises(REFUSED):
        _insert(fresh_engine, [_row(market, 1, device_id="ghost")], returning=False)
