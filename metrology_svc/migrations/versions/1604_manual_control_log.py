"""manual control-scale log kept by market boards

Revision ID: 1604
Revises: 1603
Create Date: 2026-12-07 06:00:00

Most markets' boards (ban quản lý chợ) keep their control-scale log on paper. A market board
account (role "market_board", no unit, linked to its markets by user_site) copies it in by a
form or a spreadsheet; each line becomes a reading judged by the ingest's own code, marked
reading.source = "manual" (every earlier reading, and every one the ingest writes, stays
"mqtt" through the column's default). control_log_entry keeps what the paper says beyond the
reading (goods, note, who entered it, file and row) and the line's identity, unique, so a line
sent again is stored once. The line rides on a device of kind "paper_log" (device.kind; every
existing device is "mqtt"), which gets no broker account and is no connected scale in lists or
counts. Downgrade drops both tables and the columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1604"
down_revision: str | None = "1603"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reading") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=8), nullable=False, server_default="mqtt")
        )
    with op.batch_alter_table("device") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="mqtt")
        )
    op.create_table(
        "user_site",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("user_id", "site_id"),
    )
    op.create_index("ix_user_site_site_id", "user_site", ["site_id"])
    op.create_table(
        "control_log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=True),
        sa.Column("measured_at", UTCDateTime(), nullable=False),
        sa.Column("seller", AutoString(length=32), nullable=False),
        sa.Column("goods", AutoString(length=64), nullable=False),
        sa.Column("declared_g", sa.Float(), nullable=False),
        sa.Column("measured_g", sa.Float(), nullable=False),
        sa.Column("note", AutoString(length=500), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("file_name", AutoString(length=200), nullable=True),
        sa.Column("file_row", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("identity", AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.ForeignKeyConstraint(["reading_id"], ["reading.id"]),
        sa.ForeignKeyConstraint(["entered_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity"),
        sa.UniqueConstraint("reading_id"),
    )
    op.create_index("ix_control_log_entry_site", "control_log_entry", ["site_id", "measured_at"])
    op.create_index("ix_control_log_entry_instrument_id", "control_log_entry", ["instrument_id"])


def downgrade() -> None:
    op.drop_table("control_log_entry")
    op.drop_index("ix_user_site_site_id", table_name="user_site")
    op.drop_table("user_site")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("reading") as batch:
        batch.drop_column("source")
