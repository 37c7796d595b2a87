"""Rows written into a database at an older revision, where the models have later columns.

The ORM inserts every column a model has (a later nullable one as NULL), which a database
still at an older revision lacks. These insert the columns the owner table has had since 0001.
"""

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner

# The owner's columns before 1901 added national_id.
OWNER_COLUMNS = (
    *("kind", "name", "trade_name", "tax_code", "phone", "email", "language", "address"),
    "created_at",
)


def add_owner(session: Session, **values: Any) -> Owner:
    """Insert an owner with the columns of 0001 only; return it (not in the session) with its
    id."""
    owner = Owner(**values)
    table = SQLModel.metadata.tables["owner"]
    row = {c: getattr(owner, c) for c in OWNER_COLUMNS}
    owner.id = session.execute(sa.insert(table).values(row).returning(table.c.id)).scalar_one()
    return owner


# The instrument's columns added after 0001 (1902: loose_key).
LATER_INSTRUMENT_COLUMNS = frozenset({"id", "loose_key"})


def add_instrument(session: Session, instrument: Instrument) -> None:
    """Insert an instrument with the columns of 0001 only; give it its id (not in the
    session)."""
    # A table of those columns only: the model's own would fill loose_key by its default.
    model = SQLModel.metadata.tables["instrument"].columns
    older = [sa.column(c.name, c.type) for c in model if c.name not in LATER_INSTRUMENT_COLUMNS]
    table = sa.table("instrument", *older, sa.column("id", sa.Integer))
    row = {c.name: getattr(instrument, c.name) for c in older}
    stmt = sa.insert(table).values(row).returning(table.c.id)
    instrument.id = session.execute(stmt).scalar_one()
