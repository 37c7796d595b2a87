"""measurement checks at inspections (retail weighing, petrol, gold)

Revision ID: 1603
Revises: 1602
Create Date: 2026-12-07 06:00:00

A state inspection re-makes measurements on the inspectors' reference: a retail weighing
(Circular 09/2017), a petrol delivery (Circular 15/2015: 1.5 × the meter's MPE) and a gold
measurement (Circular 22/2013). Each row keeps the figures, the judgement (shortfall, permitted
deviation, scale suitability, verdict, violation proposed) and the rules that gave it: the
table version id, code, effective date, label and source text copied onto the row. A phone-made
client_uuid (unique, optional) makes a resend store nothing twice. Downgrade drops the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1603"
down_revision: str | None = "1602"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rule_columns(prefix: str) -> list[sa.Column[object]]:
    return [
        sa.Column(f"{prefix}_table_id", sa.Integer(), nullable=True),
        sa.Column(f"{prefix}_code", AutoString(length=32), nullable=True),
        sa.Column(f"{prefix}_effective_from", sa.Date(), nullable=True),
        sa.Column(f"{prefix}_label", AutoString(length=300), nullable=True),
        sa.Column(f"{prefix}_source", AutoString(length=1000), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "measurement_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", AutoString(length=36), nullable=True),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("goods", AutoString(length=200), nullable=False),
        sa.Column("unit", AutoString(length=4), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("declared", sa.Float(), nullable=False),
        sa.Column("measured", sa.Float(), nullable=False),
        sa.Column("scale_max_g", sa.Float(), nullable=True),
        sa.Column("scale_interval_g", sa.Float(), nullable=True),
        sa.Column("shortfall", sa.Float(), nullable=False),
        sa.Column("permitted_deviation", sa.Float(), nullable=True),
        sa.Column("allowed_interval_g", sa.Float(), nullable=True),
        sa.Column("scale_suitable", sa.Boolean(), nullable=True),
        sa.Column("verdict", sa.String(length=24), nullable=False),
        sa.Column("violation_proposed", sa.Boolean(), nullable=False),
        sa.Column("reason", AutoString(length=2000), nullable=False),
        sa.Column("reason_vi", AutoString(length=2000), nullable=False),
        *_rule_columns("rule"),
        sa.Column("rule_binding", sa.Boolean(), nullable=False),
        *_rule_columns("scale_rule"),
        sa.Column("note", AutoString(length=1000), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.ForeignKeyConstraint(["rule_table_id"], ["rule_table.id"]),
        sa.ForeignKeyConstraint(["scale_rule_table_id"], ["rule_table.id"]),
        sa.ForeignKeyConstraint(["recorded_by_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_uuid"),
    )
    with op.batch_alter_table("measurement_check", schema=None) as batch_op:
        for column in ("inspection_id", "instrument_id", "verdict"):
            batch_op.create_index(
                batch_op.f(f"ix_measurement_check_{column}"), [column], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("measurement_check", schema=None) as batch_op:
        for column in ("verdict", "instrument_id", "inspection_id"):
            batch_op.drop_index(batch_op.f(f"ix_measurement_check_{column}"))
    op.drop_table("measurement_check")
