"""rulebook: versioned rule tables; judgements keep the rule version that judged them

Revision ID: 0801
Revises: 0701
Create Date: 2026-12-06 09:00:00

The cycles move from type_cycle into rule_table (the bootstrap loads the shipped versions);
type_cycle is dropped. Verifications, their points, self-checks and consumer checks get a
reference to the rule table version that judged them; rows judged before stay NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0801"
down_revision: str | None = "0701"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFS = (
    ("verification", "cycle_rule_id", "cycle_rule"),
    ("verification_point", "mpe_rule_id", "mpe_rule"),
)
# Plain ids without a foreign key: no check on the ingest's hot path, and SQLite adds the
# column in place instead of rebuilding a table of millions of readings.
_PLAIN = (("selfcheck", "mpe_rule_id"), ("reading", "shortfall_rule_id"))


def upgrade() -> None:
    op.create_table(
        "rule_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(length=32), nullable=False),
        sa.Column("version", AutoString(length=32), nullable=False),
        sa.Column("title", AutoString(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("binding", sa.Boolean(), nullable=False),
        sa.Column("source", AutoString(length=1000), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("origin", AutoString(length=16), nullable=False),
        sa.Column("digest", AutoString(length=64), nullable=False),
        sa.Column("loaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["loaded_by_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version", name="uq_rule_table_code_version"),
    )
    with op.batch_alter_table("rule_table", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_table_code"), ["code"], unique=False)
    for table, ref, label in _REFS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(ref, sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column(label, AutoString(length=300), nullable=True))
            batch_op.create_foreign_key(f"fk_{table}_{ref}", "rule_table", [ref], ["id"])
    for table, ref in _PLAIN:
        op.add_column(table, sa.Column(ref, sa.Integer(), nullable=True))
    with op.batch_alter_table("type_cycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_type_cycle_type_code"))
    op.drop_table("type_cycle")


def downgrade() -> None:
    op.create_table(
        "type_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type_code", AutoString(length=64), nullable=False),
        sa.Column("cycle_months", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("source", AutoString(length=400), nullable=False),
        sa.ForeignKeyConstraint(["type_code"], ["instrument_type.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type_code", "effective_from", name="uq_cycle_type_from"),
    )
    with op.batch_alter_table("type_cycle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_type_cycle_type_code"), ["type_code"], unique=False)
    for table, ref in _PLAIN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(ref)
    for table, ref, label in reversed(_REFS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_{ref}", type_="foreignkey")
            batch_op.drop_column(ref)
            batch_op.drop_column(label)
    with op.batch_alter_table("rule_table", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_table_code"))
    op.drop_table("rule_table")
