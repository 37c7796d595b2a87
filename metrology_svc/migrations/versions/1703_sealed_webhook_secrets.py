"""sealed webhook secrets: room for the encrypted form

Revision ID: 1703
Revises: 1702
Create Date: 2026-12-07 12:30:00

Webhook secrets are stored encrypted (core.secret_box: `fernet:` + a Fernet token, about
1.4 × the secret plus 100 characters). The column grows from 200 to 600 characters. The
secrets an earlier version stored in clear are sealed by `metrology-svc db upgrade` (and by
every start on SQLite), which holds the key; a migration does not.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1703"
down_revision: str | None = "1702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice_preference") as batch:
        batch.alter_column(
            "webhook_secret",
            existing_type=sa.String(length=200),
            type_=sa.String(length=600),
            existing_nullable=True,
        )


def downgrade() -> None:
    # A sealed secret longer than 200 characters would not fit: downgrade keeps the width.
    pass
