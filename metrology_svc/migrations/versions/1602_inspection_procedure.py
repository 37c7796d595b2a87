"""inspection decision, team, inspected party, findings in the law's terms, measures, minutes

Revision ID: 1602
Revises: 1601
Create Date: 2026-12-07 06:00:00

Circular 28/2013/TT-BKHCN: an inspection runs under a decision (number from the register, its
issuing body, legal bases, signer, the party inspected and its representative, period and
place: `inspection_decision`, one per inspection) with a team (`inspection_member`: leader with
the state-inspection certificate number, members, cooperating agencies), and ends in measures
(`inspection_measure`: sealing with seal numbers, suspension, verification request with its
deadline, violation proposal) and minutes signed by both sides (the party's signature or
refusal and the conclusion, on `inspection`). Findings gain the stamp check's verdict and the
goods an unsuitable scale weighed; new kinds (stamp_forged, type_not_approved,
unsuitable_scale) fit the existing VARCHAR(24) column, old rows keep their kind.

Data: an instrument that an expired_stamp finding suspended or failed, and whose latest
status-changing finding that still is, becomes "not_to_be_used" (an expired stamp is not a
failure); a later verification had already moved it, so those are left alone.
Downgrade turns "not_to_be_used" back into "suspended" and drops what upgrade added.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "1602"
down_revision: str | None = "1601"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPIRED_TO_NOT_TO_BE_USED = """
UPDATE instrument SET status = 'not_to_be_used'
WHERE status IN ('suspended', 'failed')
  AND EXISTS (
    SELECT 1 FROM inspection_finding f
    WHERE f.instrument_id = instrument.id
      AND f.kind = 'expired_stamp'
      AND f.status_after = instrument.status
      AND f.id = (
        SELECT MAX(g.id) FROM inspection_finding g
        WHERE g.instrument_id = instrument.id AND g.status_after <> g.status_before
      )
  )
"""


def _add_columns() -> None:
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("party_signature", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("refusal_note", AutoString(length=1000), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("conclusion", AutoString(length=4000), nullable=False, server_default="")
        )
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stamp_state", AutoString(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("goods", AutoString(length=200), nullable=False, server_default="")
        )


def _decision() -> None:
    op.create_table(
        "inspection_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("number_text", AutoString(length=80), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("issuer_level", AutoString(length=16), nullable=False),
        sa.Column("issuing_body", AutoString(length=300), nullable=False),
        sa.Column("legal_bases", sa.JSON(), nullable=False),
        sa.Column("signer_position", AutoString(length=200), nullable=False),
        sa.Column("signer_name", AutoString(length=200), nullable=False),
        sa.Column("party_kind", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("party_name", AutoString(length=300), nullable=False),
        sa.Column("party_address", AutoString(length=400), nullable=False),
        sa.Column("representative_name", AutoString(length=200), nullable=False),
        sa.Column("representative_position", AutoString(length=200), nullable=False),
        sa.Column("inspect_from", sa.Date(), nullable=False),
        sa.Column("inspect_to", sa.Date(), nullable=False),
        sa.Column("place", AutoString(length=400), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["owner.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id"),
    )


def _team_and_measures() -> None:
    op.create_table(
        "inspection_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("position_no", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("title", AutoString(length=200), nullable=False),
        sa.Column("agency", AutoString(length=300), nullable=False),
        sa.Column("certificate_no", AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspection_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_member_inspection_id"), ["inspection_id"], unique=False
        )
    op.create_table(
        "inspection_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", AutoString(length=36), nullable=True),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("seal_numbers", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("after_repair", sa.Boolean(), nullable=False),
        sa.Column("note", AutoString(length=1000), nullable=False),
        sa.Column("status_after", AutoString(length=16), nullable=True),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["inspection_finding.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.ForeignKeyConstraint(["instrument_id"], ["instrument.id"]),
        sa.ForeignKeyConstraint(["recorded_by_user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_uuid"),
    )
    with op.batch_alter_table("inspection_measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_measure_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_measure_instrument_id"), ["instrument_id"], unique=False
        )


def upgrade() -> None:
    _add_columns()
    _decision()
    _team_and_measures()
    op.execute(EXPIRED_TO_NOT_TO_BE_USED)


def downgrade() -> None:
    op.execute("UPDATE instrument SET status = 'suspended' WHERE status = 'not_to_be_used'")
    with op.batch_alter_table("inspection_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_measure_instrument_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_measure_inspection_id"))
    op.drop_table("inspection_measure")
    with op.batch_alter_table("inspection_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_member_inspection_id"))
    op.drop_table("inspection_member")
    op.drop_table("inspection_decision")
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.drop_column("goods")
        batch_op.drop_column("stamp_state")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("conclusion")
        batch_op.drop_column("refusal_note")
        batch_op.drop_column("party_signature")
