"""stamps: verification stamps, their scan log and clone / after-revocation flags

Revision ID: 0101
Revises: 0001
Create Date: 2026-11-22 21:45:29.385908
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0101"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", AutoString(length=32), nullable=False),
        sa.Column("serial_year", sa.Integer(), nullable=False),
        sa.Column("serial_seq", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("verification_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("seal_number", AutoString(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revoke_reason", AutoString(length=32), nullable=True),
        sa.Column("revoke_note", AutoString(length=500), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["stamp.id"],
        ),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["verification.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
        sa.UniqueConstraint("serial_year", "serial_seq", name="uq_stamp_year_seq"),
        sa.UniqueConstraint("verification_id"),
    )
    with op.batch_alter_table("stamp", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stamp_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "stamp_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("stamp_id", sa.Integer(), nullable=True),
        sa.Column("code", AutoString(length=160), nullable=True),
        sa.Column("outcome", AutoString(length=16), nullable=False),
        sa.Column("channel", AutoString(length=8), nullable=False),
        sa.Column("user_agent", AutoString(length=120), nullable=False),
        sa.Column("network", AutoString(length=64), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stamp_id"],
            ["stamp.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stamp_scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stamp_scan_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stamp_scan_stamp_id"), ["stamp_id"], unique=False)

    op.create_table(
        "stamp_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("first_scan_id", sa.Integer(), nullable=True),
        sa.Column("last_scan_id", sa.Integer(), nullable=True),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_scan_id"],
            ["stamp_scan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["last_scan_id"],
            ["stamp_scan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stamp_id"],
            ["stamp.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stamp_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stamp_flag_stamp_id"), ["stamp_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stamp_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stamp_flag_stamp_id"))

    op.drop_table("stamp_flag")
    with op.batch_alter_table("stamp_scan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stamp_scan_stamp_id"))
        batch_op.drop_index(batch_op.f("ix_stamp_scan_at"))

    op.drop_table("stamp_scan")
    with op.batch_alter_table("stamp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stamp_instrument_id"))

    op.drop_table("stamp")
