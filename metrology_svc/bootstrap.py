"""Bring a database to the current schema and reference data."""

from sqlalchemy import Engine

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.instruments.service import refresh_loose_keys
from metrology_svc.notices.secrets import seal_clear_secrets
from metrology_svc.rulebook.service import sync_shipped
from metrology_svc.settings import Settings
from metrology_svc.units.service import load_2025


def prepare_database(engine: Engine) -> int:
    """Run migrations, load instrument types, rule tables and the 2025 units, recompute
    instruments' loose keys (the maker aliases may have changed); return changes."""
    migrate.upgrade(engine)
    with new_session(engine) as session:
        changed = sync_types(session)
        changed += refresh_loose_keys(session)
        changed += sync_shipped(session)
        loaded = load_2025(session)
        changed += loaded.added + loaded.renamed
        session.commit()
    return changed


def seal_secrets(engine: Engine, settings: Settings) -> int:
    """Seal webhook secrets stored in clear (or under an old key) with the settings' key.

    A step of its own: it needs the key, which migrations and reference data do not.
    """
    with new_session(engine) as session:
        sealed = seal_clear_secrets(session, settings)
        session.commit()
    return sealed
