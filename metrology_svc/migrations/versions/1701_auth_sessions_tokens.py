"""auth sessions tokens: API tokens expire, web sessions can be ended server-side

Revision ID: 1701
Revises: 1606
Create Date: 2026-12-07 09:00:00

An API token gets an expiry (api_token.expires_at; NULL: never, which is what every token made
before this revision keeps until it is revoked or replaced: `metrology-svc users tokens list`
shows them). A user gets a session epoch (app_user.session_epoch, 0 for everyone): web session
cookies are signed over it, and logging out, a new password or disabling the account raises it,
so every cookie made before stops working at once. Downgrade drops both columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "1701"
down_revision: str | None = "1606"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_epoch")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
