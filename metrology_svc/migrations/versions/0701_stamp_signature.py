"""stamp signature: keep the Ed25519 signature issued with each stamp

Revision ID: 0701
Revises: 0601
Create Date: 2026-11-23 07:15:00

The public check recognises a code we issued by comparing its signature with this one instead
of verifying it again (see stamps/checking.py). Stamps issued before this migration keep NULL
and are checked with the public key, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0701"
down_revision: str | None = "0601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stamp") as batch:
        batch.add_column(sa.Column("signature", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stamp") as batch:
        batch.drop_column("signature")
