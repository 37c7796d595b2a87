"""record cannot lie: incomplete and recorded results, required loads, imported records

Revision ID: 0802
Revises: 0801
Create Date: 2026-12-08 09:00:00

verification.result widens to 16 characters ("incomplete", "recorded"); a verification keeps
the required-loads rule version that judged completeness and the loads found missing; an
imported record keeps the file and row it came from. Existing rows stay NULL there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0802"
down_revision: str | None = "0801"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_verification_loads_rule_id"


def upgrade() -> None:
    with op.batch_alter_table("verification", schema=None) as batch_op:
        batch_op.alter_column(
            "result",
            existing_type=AutoString(length=8),
            type_=AutoString(length=16),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("loads_rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("loads_rule", AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column("missing_loads", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("source_file", AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("source_row", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(_FK, "rule_table", ["loads_rule_id"], ["id"])


def downgrade() -> None:
    # The old column cannot hold the new results, and a legal record is never dropped quietly.
    found = op.get_bind().execute(
        sa.text("SELECT count(*) FROM verification WHERE result IN ('incomplete', 'recorded')")
    )
    if found.scalar_one():
        raise RuntimeError(
            "verifications with results 'incomplete' or 'recorded' exist: 0802 cannot be undone"
        )
    with op.batch_alter_table("verification", schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")
        for name in ("source_row", "source_file", "missing_loads", "loads_rule", "loads_rule_id"):
            batch_op.drop_column(name)
        batch_op.alter_column(
            "result",
            existing_type=AutoString(length=16),
            type_=AutoString(length=8),
            existing_nullable=False,
        )
