"""notice claims: a delivery attempt is claimed (by whom, until when) before it is sent

Revision ID: 1101
Revises: 1001
Create Date: 2026-12-11 09:00:00

A dispatcher claims a pending, due delivery in its own short transaction (claimed_by, lease_until)
and commits before sending; the outcome is written only while the claim is still its own. A
claimant that dies leaves a lease that expires, and the delivery is claimed again. Rows stored
before are unclaimed (both NULL). The claim query filters on status, due time and lease: one
index over the three serves it. Downgrade drops the index and the columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1101"
down_revision: str | None = "1001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))
    # An index, not a constraint: SQLite adds it without rebuilding the table.
    op.create_index(
        "ix_notice_delivery_claim",
        "notice_delivery",
        ["status", "next_attempt_at", "lease_until"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notice_delivery_claim", table_name="notice_delivery")
    with op.batch_alter_table("notice_delivery", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
