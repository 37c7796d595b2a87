"""instrument loose key: near-duplicates found by a stored column

Revision ID: 1902
Revises: 1901
Create Date: 2026-12-07 15:45:00

Two instruments are alike when their type is the same and their maker and serial are once
case, accents, spacing, punctuation and the maker's other names (instruments/data/makers.csv)
are set aside (issue 19). The API, the web form and imports compare that loose key, stored in
`instrument.loose_key`: indexed, not unique (stored data may already hold near-duplicates).

The key is computed by the code (instruments.identity.loose_identity), in batches, so the
migration stores the key the code computes. The alias table may change later:
`metrology-svc db upgrade` (and every start on SQLite) recomputes the keys that differ.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from metrology_svc.instruments.identity import loose_identity

revision: str = "1902"
down_revision: str | None = "1901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

_instrument = sa.table(
    "instrument",
    sa.column("id", sa.Integer),
    sa.column("type_code", sa.String),
    sa.column("manufacturer", sa.String),
    sa.column("serial", sa.String),
    sa.column("loose_key", sa.String),
)


def _backfill(connection: sa.Connection) -> None:
    t = _instrument.c
    read = sa.select(t.id, t.type_code, t.manufacturer, t.serial).order_by(t.id).limit(BATCH)
    write = (
        sa.update(_instrument)
        .where(t.id == sa.bindparam("b_id"))
        .values(loose_key=sa.bindparam("b_key"))
    )
    last = 0
    while rows := connection.execute(read.where(t.id > last)).all():
        keys = [{"b_id": r.id, "b_key": loose_identity(r[1], r[2], r[3])} for r in rows]
        connection.execute(write, keys)
        last = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("instrument") as batch:
        batch.add_column(sa.Column("loose_key", sa.String(length=300), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table("instrument") as batch:
        batch.alter_column("loose_key", existing_type=sa.String(length=300), nullable=False)
        batch.create_index("ix_instrument_loose_key", ["loose_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("instrument") as batch:
        batch.drop_index("ix_instrument_loose_key")
        batch.drop_column("loose_key")
