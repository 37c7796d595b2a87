"""document register: numbers per issuing body, year and document type, and what each was given to

Revision ID: 1102
Revises: 1101
Create Date: 2026-12-11 10:00:00

Decree 30/2020/NĐ-CP numbers an issuing body's documents from 1 each year, per type ("Số:
12/TB-SKHCN"). A counter row per (issuer, year, type) is raised by one statement (INSERT … ON
CONFLICT DO UPDATE … RETURNING, atomic on PostgreSQL and SQLite), and each number given is kept
with what it was given to ("notice:123"), so a reprinted letter shows the number it was first
printed with. Letters printed before keep no number (they are numbered on their next printing).
Downgrade drops both tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1102"
down_revision: str | None = "1101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_counter",
        sa.Column("issuer_code", AutoString(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("doc_type", AutoString(length=16), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer_code", "year", "doc_type"),
    )
    op.create_table(
        "document_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_code", AutoString(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("doc_type", AutoString(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("ref", AutoString(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_code", "year", "doc_type", "number", name="uq_document_number"),
        sa.UniqueConstraint("ref", "doc_type", name="uq_document_ref"),
    )


def downgrade() -> None:
    op.drop_table("document_entry")
    op.drop_table("document_counter")
