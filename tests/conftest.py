"""Fixtures: a real database per backend (SQLite always, PostgreSQL when configured).

Each test runs inside a transaction that is rolled back; the service's own commits become
savepoint releases, so what a test writes never reaches the next test.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from metrology_svc.app import create_app
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine
from metrology_svc.settings import Settings
from tests.factories import World, make_world
from tests.services import private_postgres

# The private Mosquitto fixtures (mosquitto, mosquitto_factory) and the headless Chromium
# (browser) for every test package.
pytest_plugins = ["tests.mqtt_broker", "tests.browser"]

PG_URL = os.environ.get("METROLOGY_TEST_DATABASE_URL", "")

# Property tests get a bounded, repeatable budget by default (Hypothesis' own "ci" profile:
# derandomized, no deadline, no example database; 200 examples); HYPOTHESIS_PROFILE=thorough
# hunts longer with fresh random examples. A test's own @settings still wins.
hypothesis_settings.register_profile(
    "ci", parent=hypothesis_settings.get_profile("ci"), max_examples=200
)
hypothesis_settings.register_profile("thorough", max_examples=5000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database engine, once per backend for the whole run."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        eng = build_engine(f"sqlite:///{path}")
        prepare_database(eng)
        yield eng
        eng.dispose()
        return
    with private_postgres("t") as eng:
        prepare_database(eng)
        yield eng


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection holding the test's outer transaction, rolled back at the end."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


def _session_on(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    """A session for arranging and checking data inside the test's transaction."""
    session = _session_on(connection)
    yield session
    session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a private data directory, scans written with their request.

    Test apps run every request on the test's one connection; a background scan flusher
    would use that connection between requests and break their savepoints. Webhook receivers
    in tests listen on 127.0.0.1, which only the allow-list lets a webhook reach.
    """
    return Settings(
        data_dir=tmp_path,
        stamp_key_dir=tmp_path / "keys",
        stamp_scan_flush_seconds=0,
        notice_webhook_allow_networks=["127.0.0.1/32"],
    )


@pytest.fixture
def client(engine: Engine, connection: Connection, settings: Settings) -> Iterator[TestClient]:
    """An HTTP client whose requests run in the test's transaction."""
    app = create_app(
        settings=settings, engine=engine, session_factory=lambda: _session_on(connection)
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(db: Session) -> World:
    """A small province with users of every role, a market, a fuel station and owners."""
    world = make_world(db)
    db.commit()
    return world
