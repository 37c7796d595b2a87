"""office-declared days off for verification rounds

Revision ID: 1605
Revises: 1604
Create Date: 2026-12-07 06:00:00

Verification rounds skip Saturdays, Sundays and Vietnam's public holidays (the `holidays`
package's calendar). An office adds its own days off here: a day in a unit (the province, or
one commune for a local festival) on which no visit is planned there or anywhere under it,
with the reason printed on the plan. One row per unit and day. Downgrade drops the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1605"
down_revision: str | None = "1604"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "office_day_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", AutoString(length=200), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["admin_unit.id"]),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "day", name="uq_office_day_off_unit_day"),
    )
    op.create_index("ix_office_day_off_unit_id", "office_day_off", ["unit_id"])
    op.create_index("ix_office_day_off_day", "office_day_off", ["day"])


def downgrade() -> None:
    op.drop_index("ix_office_day_off_day", table_name="office_day_off")
    op.drop_index("ix_office_day_off_unit_id", table_name="office_day_off")
    op.drop_table("office_day_off")
