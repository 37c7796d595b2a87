"""Queries on how consumer checks were judged: under which rule, short or only an indication.

A check is short (evidence) only under a binding table, and the ingest stores `short` so; an
indication is a check beyond the tolerance of a table that binds no one (a reference table
such as R 87, or none stored). Rule tables are few and never change once stored, so "binding"
is read through the check's shortfall_rule_id rather than copied onto every reading.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from metrology_svc.readings.models import Reading
from metrology_svc.readings.repository import in_paths
from metrology_svc.rulebook.models import RuleTable

RuleCount = tuple[int | None, int, int, int]  # rule id, checks, shortfalls, indications


def rulebook_marker(session: Session) -> tuple[int, int]:
    """Return (rule tables stored, newest id): it changes whenever a table is loaded."""
    count, newest = session.exec(select(func.count(), func.max(RuleTable.id))).one()
    return int(count or 0), int(newest or 0)


def not_binding() -> ColumnElement[bool]:
    """Return the condition: judged under no table, or under one that binds no one."""
    binding = select(RuleTable.id).where(col(RuleTable.binding).is_(True))
    rule = col(Reading.shortfall_rule_id)
    return or_(rule.is_(None), rule.not_in(binding))


def indication() -> ColumnElement[bool]:
    """Return the condition: a settled check beyond a non-binding table's tolerance."""
    return and_(
        col(Reading.short).is_(False),
        col(Reading.stable).is_(True),
        col(Reading.missing_g) > 0,
        not_binding(),
    )


def flagged() -> ColumnElement[bool]:
    """Return the condition: short under a binding table, or an indication under another."""
    return or_(col(Reading.short).is_(True), indication())


def rules_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, RuleTable]:
    """Return the rule table versions with these ids."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    stmt = select(RuleTable).where(col(RuleTable.id).in_(wanted))
    return {t.id or 0: t for t in session.exec(stmt)}


def _checks_at(site_id: int) -> Any:
    return select(Reading).where(Reading.site_id == site_id, col(Reading.seller_ref).is_not(None))


def indications_by_seller(session: Session, site_id: int) -> dict[tuple[str, str], int]:
    """Return each seller's trusted indications at a market, by (kind, reference)."""
    stmt = (
        select(Reading.seller_ref_kind, Reading.seller_ref, func.count())
        .where(Reading.site_id == site_id, col(Reading.seller_ref).is_not(None))
        .where(col(Reading.trusted).is_(True), indication())
        .group_by(col(Reading.seller_ref_kind), col(Reading.seller_ref))
    )
    return {(str(kind), str(ref)): int(n) for kind, ref, n in session.exec(stmt)}


def rules_at(session: Session, site_id: int) -> list[RuleCount]:
    """Return per rule that judged a market's checks: checks, shortfalls, indications."""
    stmt = (
        select(
            Reading.shortfall_rule_id,
            func.count(),
            func.count(col(Reading.id)).filter(col(Reading.short).is_(True)),
            func.count(col(Reading.id)).filter(indication()),
        )
        .where(Reading.site_id == site_id, col(Reading.seller_ref).is_not(None))
        .group_by(col(Reading.shortfall_rule_id))
        .order_by(col(Reading.shortfall_rule_id))
    )
    return [(r, int(n), int(s), int(i)) for r, n, s, i in session.exec(stmt)]


def latest_flagged(session: Session, site_id: int, *, limit: int) -> list[Reading]:
    """Return a market's newest checks that are short or an indication, newest first."""
    stmt = _checks_at(site_id).where(flagged()).order_by(col(Reading.id).desc()).limit(limit)
    return list(session.exec(stmt))


def latest_indications_within(
    session: Session, paths: tuple[str, ...] | None, *, limit: int
) -> list[Reading]:
    """Return the newest indications (never evidence) under the unit paths, newest first."""
    stmt = in_paths(select(Reading), Reading.site_id, paths)
    stmt = stmt.where(col(Reading.seller_ref).is_not(None), indication())
    return list(session.exec(stmt.order_by(col(Reading.id).desc()).limit(limit)))
