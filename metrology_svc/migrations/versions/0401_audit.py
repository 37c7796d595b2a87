"""audit: the append-only, hash-chained audit record; owner portal accounts (owner_user)

Revision ID: 0401
Revises: 0301
Create Date: 2026-11-23 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0401"
down_revision: str | None = "0301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor", AutoString(length=200), nullable=False),
        sa.Column("action", AutoString(length=64), nullable=False),
        sa.Column("entity", AutoString(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", AutoString(length=64), nullable=False),
        sa.Column("hash", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.create_index("ix_audit_record_action", ["action"], unique=False)
        batch_op.create_index("ix_audit_record_entity", ["entity", "entity_id"], unique=False)
    op.create_table(
        "owner_user",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("owner_user", schema=None) as batch_op:
        batch_op.create_index("ix_owner_user_owner_id", ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("owner_user", schema=None) as batch_op:
        batch_op.drop_index("ix_owner_user_owner_id")
    op.drop_table("owner_user")
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_record_entity")
        batch_op.drop_index("ix_audit_record_action")
    op.drop_table("audit_record")
