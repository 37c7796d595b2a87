"""owner national ID: the personal identity number (CCCD, or the older CMND)

Revision ID: 1901
Revises: 1704
Create Date: 2026-12-07 15:30:00

Owners are matched by tax code, then by national ID, then by phone and name (issue 19). The
national ID is stored as digits only: 12 for a citizen identity card (CCCD), 9 for the older
identity card (CMND) still seen in lists. One person has one ID, so the column is unique; owners
without one (NULL) are many.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1901"
down_revision: str | None = "1704"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("owner") as batch:
        batch.add_column(sa.Column("national_id", sa.String(length=12), nullable=True))
        batch.create_unique_constraint("uq_owner_national_id", ["national_id"])


def downgrade() -> None:
    with op.batch_alter_table("owner") as batch:
        batch.drop_constraint("uq_owner_national_id", type_="unique")
        batch.drop_column("national_id")
