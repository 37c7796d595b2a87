"""notice recipient snapshot: a notice keeps the name, address and site its letter prints

Revision ID: 1702
Revises: 1701
Create Date: 2026-12-07 09:00:00

A notice, its letter and its deliveries belong to the recipient at the time the notice was made:
besides the owner's id and the site's unit it already keeps, it now keeps the owner's name and
address and the site's name. Before, the letter was filled from the instrument's owner now, so
after a transfer the previous owner's letter showed the new owner's name and address.

Notices stored before are filled from the data then: the owner the notice names (its owner_id
was the owner when it was made) and the instrument's site. Downgrade drops the columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "1702"
down_revision: str | None = "1701"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("recipient_name", 200), ("recipient_address", 400), ("site_name", 200))

_notice = sa.table(
    "notice",
    sa.column("id", sa.Integer),
    sa.column("instrument_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("recipient_name", sa.String),
    sa.column("recipient_address", sa.String),
    sa.column("site_name", sa.String),
)
_owner = sa.table(
    "owner",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("address", sa.String),
)
_instrument = sa.table("instrument", sa.column("id", sa.Integer), sa.column("site_id", sa.Integer))
_site = sa.table("site", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade() -> None:
    # NOT NULL with a default: both databases add such a column without rebuilding the table.
    with op.batch_alter_table("notice", schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(
                sa.Column(name, AutoString(length=length), nullable=False, server_default="")
            )
    _backfill()


def _owner_value(column: sa.ColumnElement[str]) -> sa.ScalarSelect[str]:
    found = sa.select(sa.func.coalesce(column, "")).where(_owner.c.id == _notice.c.owner_id)
    return found.scalar_subquery()


def _backfill() -> None:
    site = (
        sa.select(sa.func.coalesce(_site.c.name, ""))
        .select_from(_instrument.join(_site, _site.c.id == _instrument.c.site_id))
        .where(_instrument.c.id == _notice.c.instrument_id)
        .scalar_subquery()
    )
    op.execute(
        _notice.update().values(
            recipient_name=sa.func.coalesce(_owner_value(_owner.c.name), ""),
            recipient_address=sa.func.coalesce(_owner_value(_owner.c.address), ""),
            site_name=sa.func.coalesce(site, ""),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
