"""Bring a database to the current schema and reference data."""

from sqlalchemy import Engine

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.rulebook.service import sync_shipped


def prepare_database(engine: Engine) -> int:
    """Run migrations, then load instrument types and the shipped rule tables; return changes."""
    migrate.upgrade(engine)
    with new_session(engine) as session:
        changed = sync_types(session)
        changed += sync_shipped(session)
        session.commit()
    return changed
