"""ingest conflicts: payload digests, dead letters keyed by message, trust per control scale

Revision ID: 1001
Revises: 0901
Create Date: 2026-12-10 09:00:00

Readings and self-checks keep the SHA-256 of their payload, so a message reusing a stored
(device, boot, seq) with other bytes is told from a redelivery; rows stored before stay NULL
(cannot be judged: a repeat of one is a duplicate). Dead letters get their own key, the SHA-256
of (topic, whole payload), unique: a message redelivered is set aside once. Earlier dead letters
stay NULL, duplicates included (NULLs are distinct under a unique index on both databases).

Trust moves from the device to the control scale: every active device of a scale gets the
earliest failure any of them holds that no passing verification recorded after it has ended
(and none if there is none), and what those devices measured since, stored as trusted, is
untrusted now. The sellers such checks counted against lose them from their statistics; one
left with no shortfall is no longer suspect (as in 0803). Requests already opened stay: an
inspector closes them. Downgrade drops the columns; trust stays with the scale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1001"
down_revision: str | None = "0901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_device = sa.table(
    "device",
    sa.column("id", sa.String),
    sa.column("instrument_id", sa.Integer),
    sa.column("untrusted_since", sa.DateTime),
    sa.column("retired_at", sa.DateTime),
)
_verification = sa.table(
    "verification",
    sa.column("instrument_id", sa.Integer),
    sa.column("result", sa.String),
    sa.column("created_at", sa.DateTime),
)
_reading = sa.table(
    "reading",
    sa.column("device_id", sa.String),
    sa.column("site_id", sa.Integer),
    sa.column("seller_ref_kind", sa.String),
    sa.column("seller_ref", sa.String),
    sa.column("measured_at", sa.DateTime),
    sa.column("missing_g", sa.Float),
    sa.column("short", sa.Boolean),
    sa.column("trusted", sa.Boolean),
)
_seller = sa.table(
    "seller",
    sa.column("site_id", sa.Integer),
    sa.column("ref_kind", sa.String),
    sa.column("ref", sa.String),
    sa.column("checks", sa.Integer),
    sa.column("shortfalls", sa.Integer),
    sa.column("total_missing_g", sa.Float),
    sa.column("last_check_at", sa.DateTime),
    sa.column("last_short_at", sa.DateTime),
    sa.column("suspect_since", sa.DateTime),
)


def upgrade() -> None:
    for table in ("reading", "selfcheck"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("payload_sha256", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_sha256", sa.LargeBinary(), nullable=True))
    # An index, not a constraint: SQLite adds it without rebuilding the table.
    op.create_index("uq_dead_letter_message_sha256", "dead_letter", ["message_sha256"], unique=True)
    _trust_per_scale()
    _untrust_checks_since()


def _trust_per_scale() -> None:
    # The scale's failure: the earliest of its active devices' not yet ended by a pass.
    other = _device.alias("other")
    ended = sa.exists().where(
        _verification.c.instrument_id == other.c.instrument_id,
        _verification.c.result == "pass",
        _verification.c.created_at > other.c.untrusted_since,
    )
    earliest = (
        sa.select(sa.func.min(other.c.untrusted_since))
        .where(
            other.c.instrument_id == _device.c.instrument_id,
            other.c.retired_at.is_(None),
            other.c.untrusted_since.is_not(None),
            sa.not_(ended),
        )
        .scalar_subquery()
    )
    op.execute(
        _device.update().where(_device.c.retired_at.is_(None)).values(untrusted_since=earliest)
    )


def _since_distrusted() -> sa.ColumnElement[bool]:
    # A check a distrusted device measured from its scale's failure on.
    return sa.exists().where(
        _device.c.id == _reading.c.device_id,
        _device.c.untrusted_since.is_not(None),
        _reading.c.measured_at >= _device.c.untrusted_since,
    )


def _of_seller(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(
        _reading.c.site_id == _seller.c.site_id,
        _reading.c.seller_ref == _seller.c.ref,
        _reading.c.seller_ref_kind == _seller.c.ref_kind,
        *conditions,
    )


def _untrust_checks_since() -> None:
    # Sellers first (while the checks still say which are to be untrusted), then the readings.
    flipping = _of_seller(_reading.c.trusted.is_(True), _since_distrusted())
    flipping_short = sa.and_(flipping, _reading.c.short.is_(True))
    kept = _of_seller(_reading.c.trusted.is_(True), sa.not_(_since_distrusted()))
    kept_short = sa.and_(kept, _reading.c.short.is_(True))
    shortfalls = _seller.c.shortfalls - _count(flipping_short)
    op.execute(
        _seller.update()
        .where(sa.exists().where(flipping))
        .values(
            checks=_seller.c.checks - _count(flipping),
            shortfalls=shortfalls,
            total_missing_g=_seller.c.total_missing_g
            - sa.select(sa.func.coalesce(sa.func.sum(_reading.c.missing_g), 0.0))
            .where(flipping_short)
            .scalar_subquery(),
            last_check_at=_newest(kept),
            last_short_at=_newest(kept_short),
            suspect_since=sa.case((shortfalls <= 0, sa.null()), else_=_seller.c.suspect_since),
        )
    )
    op.execute(
        _reading.update()
        .where(_reading.c.trusted.is_(True), _since_distrusted())
        .values(trusted=False)
    )


def _count(condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).where(condition).scalar_subquery()


def _newest(condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[object]:
    return sa.select(sa.func.max(_reading.c.measured_at)).where(condition).scalar_subquery()


def downgrade() -> None:
    op.drop_index("uq_dead_letter_message_sha256", table_name="dead_letter")
    with op.batch_alter_table("dead_letter", schema=None) as batch_op:
        batch_op.drop_column("message_sha256")
    for table in ("selfcheck", "reading"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("payload_sha256")
