"""evidence only under a binding table: earlier "short" checks under R 87 become indications

Revision ID: 0803
Revises: 0802
Create Date: 2026-12-08 12:00:00

Until now a consumer check beyond OIML R 87's tolerance was stored as short, though R 87 (a
prepackage table, reference only) binds no seller at a market. Such checks (judged before the
rulebook, so with no rule id, or under a table that is not binding) keep their numbers but are
no longer short. Each seller concerned gets its shortfall count, grams missing and last
shortfall again from the checks still short; one left with none is no longer suspect. Requests
already opened stay as they are: an inspector closes them. No schema change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0803"
down_revision: str | None = "0802"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_reading = sa.table(
    "reading",
    sa.column("id", sa.Integer),
    sa.column("site_id", sa.Integer),
    sa.column("seller_ref_kind", sa.String),
    sa.column("seller_ref", sa.String),
    sa.column("measured_at", sa.DateTime),
    sa.column("missing_g", sa.Float),
    sa.column("short", sa.Boolean),
    sa.column("trusted", sa.Boolean),
    sa.column("shortfall_rule_id", sa.Integer),
)
_seller = sa.table(
    "seller",
    sa.column("site_id", sa.Integer),
    sa.column("ref_kind", sa.String),
    sa.column("ref", sa.String),
    sa.column("shortfalls", sa.Integer),
    sa.column("total_missing_g", sa.Float),
    sa.column("last_short_at", sa.DateTime),
    sa.column("suspect_since", sa.DateTime),
)
_rule = sa.table("rule_table", sa.column("id", sa.Integer), sa.column("binding", sa.Boolean))


def _not_binding() -> sa.ColumnElement[bool]:
    binding = sa.select(_rule.c.id).where(_rule.c.binding.is_(True))
    rule = _reading.c.shortfall_rule_id
    return sa.or_(rule.is_(None), rule.not_in(binding))


def _of_seller(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(
        _reading.c.site_id == _seller.c.site_id,
        _reading.c.seller_ref == _seller.c.ref,
        _reading.c.seller_ref_kind == _seller.c.ref_kind,
        _reading.c.short.is_(True),
        *conditions,
    )


def upgrade() -> None:
    # Sellers first (while the checks still say which were wrongly short), then the checks.
    wrong = sa.exists().where(_of_seller(_not_binding()))
    evidence = _of_seller(_reading.c.trusted.is_(True), sa.not_(_not_binding()))
    remaining = sa.select(sa.func.count()).where(evidence).scalar_subquery()
    op.execute(
        _seller.update()
        .where(wrong)
        .values(
            suspect_since=sa.case((remaining == 0, sa.null()), else_=_seller.c.suspect_since),
            shortfalls=remaining,
            total_missing_g=sa.select(sa.func.coalesce(sa.func.sum(_reading.c.missing_g), 0.0))
            .where(evidence)
            .scalar_subquery(),
            last_short_at=sa.select(sa.func.max(_reading.c.measured_at))
            .where(evidence)
            .scalar_subquery(),
        )
    )
    op.execute(
        _reading.update()
        .where(_reading.c.short.is_(True), _reading.c.seller_ref.is_not(None), _not_binding())
        .values(short=False)
    )


def downgrade() -> None:
    # Nothing to undo in the schema; calling those checks short again would restore a claim
    # no binding table supports.
    pass
