"""inspection plans (kế hoạch kiểm tra nhà nước về đo lường): plan, units covered, targets

Revision ID: 1601
Revises: 1102
Create Date: 2026-12-07 06:00:00

A plan is issued by a province's department or a commune's people's committee (issuer_unit_id)
for a period within at most five years, covers administrative units (inspection_plan_unit)
and site kinds, and lists planned targets: a site and a window of dates. Approval numbers it
from the document register (type KH) and freezes it. A target records the one inspection it
opened (inspection_id, unique). Downgrade drops the three tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1601"
down_revision: str | None = "1102"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("issuer_unit_id", sa.Integer(), nullable=False),
        sa.Column("subject", AutoString(length=300), nullable=False),
        sa.Column("purpose", AutoString(length=4000), nullable=False),
        sa.Column("content", AutoString(length=4000), nullable=False),
        sa.Column("resources", AutoString(length=4000), nullable=False),
        sa.Column("site_kinds", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("symbol", AutoString(length=40), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("signer_authority", AutoString(length=100), nullable=False),
        sa.Column("signer_position", AutoString(length=100), nullable=False),
        sa.Column("signer_name", AutoString(length=200), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("approved_by_user_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approved_by_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["issuer_unit_id"], ["admin_unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_plan_year"), ["year"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_issuer_unit_id"), ["issuer_unit_id"], unique=False
        )

    op.create_table(
        "inspection_plan_unit",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["inspection_plan.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["admin_unit.id"]),
        sa.PrimaryKeyConstraint("plan_id", "unit_id"),
    )
    with op.batch_alter_table("inspection_plan_unit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_unit_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "inspection_plan_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("window_from", sa.Date(), nullable=False),
        sa.Column("window_to", sa.Date(), nullable=False),
        sa.Column("note", AutoString(length=500), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["plan_id"], ["inspection_plan.id"]),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id"),
        sa.UniqueConstraint("plan_id", "site_id", "window_from", name="uq_plan_target_window"),
    )
    with op.batch_alter_table("inspection_plan_target", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_target_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_plan_target_site_id"), ["site_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_plan_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_target_site_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_plan_target_plan_id"))
    op.drop_table("inspection_plan_target")
    with op.batch_alter_table("inspection_plan_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_unit_unit_id"))
    op.drop_table("inspection_plan_unit")
    with op.batch_alter_table("inspection_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plan_issuer_unit_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_plan_year"))
    op.drop_table("inspection_plan")
