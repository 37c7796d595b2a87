"""Set-based aggregates of the yearly report: one grouped query per section, none per row."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    cast,
    column,
    distinct,
    func,
    inspect,
    or_,
    table,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from metrology_svc.core.scope import under_any
from metrology_svc.inspections.models import Inspection, InspectionFinding
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument
from metrology_svc.readings.check_queries import indication
from metrology_svc.readings.models import (
    DEVICE_MQTT,
    Device,
    InspectionRequest,
    Reading,
    Seller,
)
from metrology_svc.reports.states import DUE_COLUMNS, state_on
from metrology_svc.sites.models import Site, SiteKind, SiteMove
from metrology_svc.stamps.models import Stamp
from metrology_svc.units.models import AdminUnit, UnitSuccession
from metrology_svc.verifications.models import (
    Verification,
    VerificationKind,
    VerificationResult,
)

Row = tuple[Any, ...]
Paths = tuple[str, ...]

# Measurement checks made at inspections (measurement_checks package), read by table name and
# the columns its migration (1603) made: the report counts rows, it does not need the package.
CHECKS = table(
    "measurement_check",
    column("inspection_id"),
    column("kind"),
    column("verdict"),
    column("violation_proposed"),
)


def _n(expr: Any) -> Any:
    """Return SUM(CASE WHEN expr THEN 1 ELSE 0 END), 0 on no rows."""
    return func.coalesce(func.sum(case((expr, 1), else_=0)), 0)


def unit_on(day_end: datetime) -> Any:
    """Return the unit a site lay in when a day ended, as one SQL expression (Site in FROM).

    The site's unit now, unless it moved after that day: then the unit it moved from first.
    """
    moved = (
        sa_select(col(SiteMove.from_unit_id))
        .where(col(SiteMove.site_id) == Site.id, col(SiteMove.moved_at) >= day_end)
        .order_by(col(SiteMove.moved_at), col(SiteMove.id))
        .limit(1)
        .correlate(Site)
        .scalar_subquery()
    )
    return func.coalesce(moved, Site.unit_id)


def _in_units(stmt: Any, unit_id: Any, paths: Paths) -> Any:
    """Restrict a statement to rows whose unit (an expression) lies under one of the paths."""
    return stmt.join(AdminUnit, col(AdminUnit.id) == unit_id).where(
        under_any(AdminUnit.path, paths)
    )


def _records_in(stmt: Any, site_id: Any, record_unit: Any, paths: Paths) -> Any:
    """Restrict to records made under a unit in the area (a record without one: its site's)."""
    stmt = stmt.join(Site, col(Site.id) == site_id)
    return _in_units(stmt, func.coalesce(record_unit, Site.unit_id), paths)


def _sites_in(stmt: Any, site_id: Any, paths: Paths, day_end: datetime) -> Any:
    """Restrict to rows whose site lay in the area when the day ended."""
    return _in_units(stmt.join(Site, col(Site.id) == site_id), unit_on(day_end), paths)


def _judged_here() -> Any:
    """Return the condition of a verification judged by this office's service: neither a
    recorded one nor one an imported list reported (pass or fail)."""
    return and_(
        col(Verification.result) != VerificationResult.RECORDED.value,
        col(Verification.kind) != VerificationKind.IMPORTED.value,
    )


def _results() -> tuple[Any, Any, Any]:
    """Return the counts of passed, failed and incomplete verifications judged here."""
    result, judged = col(Verification.result), _judged_here()
    return (
        _n(and_(judged, result == VerificationResult.PASS.value)),
        _n(and_(judged, result == VerificationResult.FAIL.value)),
        _n(and_(judged, result == VerificationResult.INCOMPLETE.value)),
    )


class ReportRepository:
    """The yearly report's figures for an area (unit paths) and a period.

    Records (verifications, inspections, stamps) count where they were made: by their own
    unit. Instruments, control scales and sellers count where their site lay on the as-of day.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def _rows(self, stmt: Select[Any]) -> list[Row]:
        return [tuple(r) for r in self.session.execute(stmt).all()]

    def _one(self, stmt: Select[Any]) -> Row:
        return tuple(self.session.execute(stmt).one())

    def successions_under(self, path: str, scheme: str) -> list[tuple[UnitSuccession, AdminUnit]]:
        """Return the succession rows into units of a scheme at or under a path, with the old
        unit of each."""
        new, old = aliased(AdminUnit), aliased(AdminUnit)
        stmt = (
            sa_select(UnitSuccession, old)
            .join(new, col(new.id) == UnitSuccession.new_unit_id)
            .join(old, col(old.id) == UnitSuccession.old_unit_id)
            .where(col(new.scheme) == scheme, under_any(col(new.path), (path,)))
            .order_by(col(old.path))
        )
        return [(row[0], row[1]) for row in self.session.execute(stmt).all()]

    def verified_by_type(self, paths: Paths, first: date, last: date) -> list[Row]:
        """Return per type: code, names, verifications, instruments, passed, failed, incomplete,
        recorded (imported records: not judged here, so not counted as verifications, even one
        whose list gave a failed result)."""
        judged = _judged_here()
        stmt = (
            sa_select(
                col(Instrument.type_code),
                col(InstrumentType.name_vi),
                col(InstrumentType.name_en),
                _n(judged),
                func.count(distinct(case((judged, col(Verification.instrument_id))))),
                *_results(),
                _n(~judged),
            )
            .select_from(Verification)
            .join(Instrument, col(Instrument.id) == Verification.instrument_id)
            .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
            .where(col(Verification.verified_on).between(first, last))
            .group_by(
                col(Instrument.type_code), col(InstrumentType.name_vi), col(InstrumentType.name_en)
            )
            .order_by(col(Instrument.type_code))
        )
        return self._rows(_records_in(stmt, Instrument.site_id, Verification.unit_id, paths))

    def verified_by_kind(self, paths: Paths, first: date, last: date) -> list[Row]:
        """Return per verification kind: kind, verifications, passed, failed, incomplete."""
        stmt = (
            sa_select(col(Verification.kind), func.count(), *_results())
            .select_from(Verification)
            .join(Instrument, col(Instrument.id) == Verification.instrument_id)
            .where(col(Verification.verified_on).between(first, last))
            .where(_judged_here())
            .group_by(col(Verification.kind))
            .order_by(col(Verification.kind))
        )
        return self._rows(_records_in(stmt, Instrument.site_id, Verification.unit_id, paths))

    def due_by_type(
        self, paths: Paths, *, as_of: date, until: datetime, due_soon_days: int, current: bool
    ) -> list[Row]:
        """Return per type: instruments in use on the day, then how many of them were in
        service, due soon, overdue, never verified, failed and suspended that day (one state
        each: `states.state_on`, the dashboard's definition), each instrument counted in the
        unit its site lay in on the day."""
        per_instrument = (
            sa_select(
                col(Instrument.type_code).label("type_code"),
                state_on(as_of, current=current, due_soon_days=due_soon_days).label("state"),
            )
            .select_from(Instrument)
            .where(or_(col(Instrument.retired_at).is_(None), col(Instrument.retired_at) >= until))
            # Registered by then, or known to have been verified by then (an import of an
            # old registry creates rows today for instruments in use for years).
            .where(
                or_(col(Instrument.created_at) < until, col(Instrument.last_verified_on) <= as_of)
            )
        )
        inner = _sites_in(per_instrument, Instrument.site_id, paths, until).subquery()
        state = inner.c.state
        stmt = (
            sa_select(
                inner.c.type_code,
                col(InstrumentType.name_vi),
                col(InstrumentType.name_en),
                func.count(),
                *(_n(state == s) for s in DUE_COLUMNS),
            )
            .select_from(inner)
            .join(InstrumentType, col(InstrumentType.code) == inner.c.type_code)
            .group_by(inner.c.type_code, col(InstrumentType.name_vi), col(InstrumentType.name_en))
            .order_by(inner.c.type_code)
        )
        return self._rows(stmt)

    def control_devices(self, paths: Paths, start: datetime, end: datetime) -> Row:
        """Return (markets with a control scale, control scales) connected during the period."""
        stmt = (
            sa_select(func.count(distinct(col(Device.site_id))), func.count(col(Device.id)))
            .select_from(Device)
            .where(col(Device.created_at) < end)
            .where(col(Device.kind) == DEVICE_MQTT)  # a paper log is no connected scale
            .where(or_(col(Device.retired_at).is_(None), col(Device.retired_at) >= start))
            .where(col(Site.kind) == SiteKind.MARKET.value)
        )
        return self._one(_sites_in(stmt, Device.site_id, paths, end))

    def consumer_checks(self, paths: Paths, start: datetime, end: datetime) -> Row:
        """Return (checks, shortfalls, grams missing, indications) at control scales.

        Shortfalls are checks short under a binding table (the ingest sets `short` only then);
        indications are checks beyond a reference table's tolerance, which are not evidence.
        """
        short = col(Reading.short).is_(True)
        stmt = (
            sa_select(
                func.count(),
                _n(short),
                func.coalesce(func.sum(case((short, col(Reading.missing_g)), else_=0.0)), 0.0),
                _n(indication()),
            )
            .select_from(Reading)
            .where(col(Reading.seller_ref).is_not(None))  # the partial index of checks
            .where(col(Reading.measured_at) >= start, col(Reading.measured_at) < end)
        )
        return self._one(_sites_in(stmt, Reading.site_id, paths, end))

    def suspect_sellers(self, paths: Paths, start: datetime, end: datetime) -> int:
        """Return the sellers flagged suspect (short-weighing) during the period."""
        stmt = (
            sa_select(func.count())
            .select_from(Seller)
            .where(col(Seller.suspect_since) >= start, col(Seller.suspect_since) < end)
        )
        return int(self._one(_sites_in(stmt, Seller.site_id, paths, end))[0])

    def inspection_requests(self, paths: Paths, start: datetime, end: datetime) -> int:
        """Return the out-of-cycle inspections the evidence asked for during the period."""
        stmt = (
            sa_select(func.count())
            .select_from(InspectionRequest)
            .where(col(InspectionRequest.created_at) >= start)
            .where(col(InspectionRequest.created_at) < end)
        )
        return int(self._one(_sites_in(stmt, InspectionRequest.site_id, paths, end))[0])

    def inspections(self, paths: Paths, first: date, last: date) -> Row:
        """Return (inspections, closed, sites inspected) in the period."""
        stmt = (
            sa_select(
                func.count(),
                _n(col(Inspection.closed_at).is_not(None)),
                func.count(distinct(col(Inspection.site_id))),
            )
            .select_from(Inspection)
            .where(col(Inspection.inspected_on).between(first, last))
        )
        return self._one(_records_in(stmt, Inspection.site_id, Inspection.unit_id, paths))

    def findings_by_kind(self, paths: Paths, first: date, last: date) -> list[Row]:
        """Return per finding kind: kind, findings, instruments concerned."""
        stmt = (
            sa_select(
                col(InspectionFinding.kind),
                func.count(),
                func.count(distinct(col(InspectionFinding.instrument_id))),
            )
            .select_from(InspectionFinding)
            .join(Inspection, col(Inspection.id) == InspectionFinding.inspection_id)
            .where(col(Inspection.inspected_on).between(first, last))
            .group_by(col(InspectionFinding.kind))
            .order_by(col(InspectionFinding.kind))
        )
        return self._rows(_records_in(stmt, Inspection.site_id, Inspection.unit_id, paths))

    def inspections_by_site_kind(self, paths: Paths, first: date, last: date) -> list[Row]:
        """Return per kind of site (market, fuel station, gold shop, ...): kind, inspections,
        closed, sites inspected."""
        site_kind = cast(col(Site.kind), String).label("site_kind")
        stmt = (
            sa_select(
                site_kind,
                func.count(),
                _n(col(Inspection.closed_at).is_not(None)),
                func.count(distinct(col(Inspection.site_id))),
            )
            .select_from(Inspection)
            .where(col(Inspection.inspected_on).between(first, last))
            .group_by(site_kind)
            .order_by(site_kind)
        )
        return self._rows(_records_in(stmt, Inspection.site_id, Inspection.unit_id, paths))

    def findings_by_site_kind(self, paths: Paths, first: date, last: date) -> list[Row]:
        """Return per kind of site and kind of finding: both kinds, findings, instruments
        concerned (kinds as stored: a kind added later is counted under its own code)."""
        site_kind = cast(col(Site.kind), String).label("site_kind")
        kind = cast(col(InspectionFinding.kind), String).label("finding_kind")
        stmt = (
            sa_select(
                site_kind,
                kind,
                func.count(),
                func.count(distinct(col(InspectionFinding.instrument_id))),
            )
            .select_from(InspectionFinding)
            .join(Inspection, col(Inspection.id) == InspectionFinding.inspection_id)
            .where(col(Inspection.inspected_on).between(first, last))
            .group_by(site_kind, kind)
            .order_by(site_kind, kind)
        )
        return self._rows(_records_in(stmt, Inspection.site_id, Inspection.unit_id, paths))

    def measurement_checks(self, paths: Paths, first: date, last: date) -> list[Row]:
        """Return per kind of check (retail weighing, petrol, gold, ...): kind, checks, short,
        unsuitable scale, violation records proposed; none where the table is not there."""
        if not inspect(self.session.connection()).has_table("measurement_check"):
            return []
        kind = cast(CHECKS.c.kind, String).label("check_kind")
        verdict = cast(CHECKS.c.verdict, String)
        stmt = (
            sa_select(
                kind,
                func.count(),
                _n(verdict == "short"),
                _n(verdict == "unsuitable_scale"),
                _n(CHECKS.c.violation_proposed.is_(True)),
            )
            .select_from(CHECKS)
            .join(Inspection, col(Inspection.id) == CHECKS.c.inspection_id)
            .where(col(Inspection.inspected_on).between(first, last))
            .group_by(kind)
            .order_by(kind)
        )
        return self._rows(_records_in(stmt, Inspection.site_id, Inspection.unit_id, paths))

    def stamps_issued(self, paths: Paths, first: date, last: date) -> int:
        """Return the stamps issued for verifications in the period."""
        stmt = (
            sa_select(func.count())
            .select_from(Stamp)
            .join(Verification, col(Verification.id) == Stamp.verification_id)
            .join(Instrument, col(Instrument.id) == Stamp.instrument_id)
            .where(col(Verification.verified_on).between(first, last))
        )
        unit = func.coalesce(Stamp.unit_id, Verification.unit_id)
        return int(self._one(_records_in(stmt, Instrument.site_id, unit, paths))[0])

    def stamps_revoked(self, paths: Paths, start: datetime, end: datetime) -> list[Row]:
        """Return per reason: reason, stamps revoked in the period."""
        stmt = (
            sa_select(col(Stamp.revoke_reason), func.count())
            .select_from(Stamp)
            .join(Instrument, col(Instrument.id) == Stamp.instrument_id)
            .where(col(Stamp.revoked_at) >= start, col(Stamp.revoked_at) < end)
            .group_by(col(Stamp.revoke_reason))
            .order_by(col(Stamp.revoke_reason))
        )
        return self._rows(_records_in(stmt, Instrument.site_id, Stamp.unit_id, paths))
