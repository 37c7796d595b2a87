"""A private PostgreSQL schema whose data really commits (for concurrency and leadership)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import new_session
from tests.factories import World, make_world
from tests.services import private_postgres


@pytest.fixture
def committed_pg() -> Iterator[tuple[Engine, World]]:
    """A migrated PostgreSQL schema holding the test world, committed; dropped afterwards."""
    with private_postgres("t") as engine:
        prepare_database(engine)
        with new_session(engine) as session:
            world = make_world(session)
            session.commit()
        yield engine, world
