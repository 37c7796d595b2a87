"""report texts: what an office writes into a report (sections II, III) and its number

Revision ID: 1606
Revises: 1605
Create Date: 2026-12-07 06:00:00

A report (báo cáo) covers a unit and any period (one year or several, e.g. 2021-2025). Its
figures (section I) are computed on each printing; the office's own words, kept with the
report, are stored here: the assessment of what was achieved and the shortcomings (section II),
the next steps and proposals (section III). Once issued, the report keeps its number from the
document register (type BC) and its date, so that a reprint shows the same number. One row per
unit (code in its list) and period. Downgrade drops the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1606"
down_revision: str | None = "1605"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_scheme", AutoString(length=16), nullable=False),
        sa.Column("unit_code", AutoString(length=24), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("issuer_name", AutoString(length=200), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("shortcomings", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "unit_scheme", "unit_code", "period_from", "period_to", name="uq_report_text_period"
        ),
    )


def downgrade() -> None:
    op.drop_table("report_text")
