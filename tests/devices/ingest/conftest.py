"""Fixtures for ingest tests: a market in a private database and an in-process ingest."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from devices.ingest import Ingest, start_ingest
from metrology_svc.settings import Settings
from tests.devices.ingest.support import Market, file_database, seed_market
from tests.services import private_postgres


@pytest.fixture
def sqlite_market_db(tmp_path: Path) -> Iterator[tuple[Engine, Market]]:
    """A migrated SQLite file with a market, its control scale, a device and a seller's scale."""
    engine, market = file_database(tmp_path / "ingest.db")
    yield engine, market
    engine.dispose()


@contextmanager
def _postgres_market() -> Iterator[tuple[Engine, Market]]:
    with private_postgres("ingest") as engine:
        yield engine, seed_market(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def market_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Market]]:
    """The market on each database: a SQLite file, and a private PostgreSQL schema."""
    if request.param == "sqlite":
        engine, market = file_database(tmp_path / "ingest.db")
        yield engine, market
        engine.dispose()
        return
    with _postgres_market() as found:
        yield found


@contextmanager
def running_ingest(engine: Engine, mqtt_url: str, **settings: object) -> Iterator[Ingest]:
    """Run an ingest in this process until the block ends; yield once it is subscribed.

    Connected is not enough: the SUBSCRIBE leaves after the CONNACK, and the broker drops what
    is published on a topic nobody subscribes to yet (a fresh broker holds no session of the
    ingest). A test publishing at once lost its first readings to this under load.
    """
    options: dict[str, object] = {"mqtt_url": mqtt_url, "ingest_batch_ms": 20} | settings
    ingest = start_ingest(settings=Settings(**options), engine=engine)  # type: ignore[arg-type]
    try:
        if not ingest.connected.wait(15):
            raise RuntimeError("the ingest did not connect to the broker")
        if not ingest.subscribed.wait(15):
            raise RuntimeError("the ingest did not subscribe at the broker")
        yield ingest
    finally:
        ingest.stop()
