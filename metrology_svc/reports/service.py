"""Build the yearly report of a unit from the repository's aggregates."""

from datetime import date, datetime

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid
from metrology_svc.core.issuer import commune_body, place_of, province_body
from metrology_svc.reports import area, rules
from metrology_svc.reports.repository import Paths, ReportRepository
from metrology_svc.reports.schemas import (
    ControlSection,
    DueRow,
    DueSection,
    FindingCount,
    InspectionSection,
    IssuerRef,
    KindVerified,
    ReasonCount,
    ReportNote,
    StampSection,
    TypeVerified,
    UnitRef,
    YearlyReport,
)
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel


def _verified(repo: ReportRepository, paths: Paths, first: date, last: date) -> list[TypeVerified]:
    return [
        TypeVerified(
            type_code=code,
            name_vi=vi,
            name_en=en,
            verifications=int(n),
            instruments=int(inst),
            passed=int(ok),
            failed=int(bad),
            incomplete=int(short),
            recorded=int(listed),
            pass_rate=rules.pass_rate(int(ok), int(n)),
        )
        for code, vi, en, n, inst, ok, bad, short, listed in repo.verified_by_type(
            paths, first, last
        )
    ]


def _total(rows: list[TypeVerified]) -> TypeVerified:
    n, ok = sum(r.verifications for r in rows), sum(r.passed for r in rows)
    return TypeVerified(
        type_code="",
        name_vi="Tổng cộng",
        name_en="Total",
        verifications=n,
        instruments=sum(r.instruments for r in rows),
        passed=ok,
        failed=sum(r.failed for r in rows),
        incomplete=sum(r.incomplete for r in rows),
        recorded=sum(r.recorded for r in rows),
        pass_rate=rules.pass_rate(ok, n),
    )


def _due(repo: ReportRepository, paths: Paths, as_of: date, soon: int) -> DueSection:
    until = rules.end_of_day(as_of)
    rows = [
        DueRow(
            type_code=code,
            name_vi=vi,
            name_en=en,
            instruments=int(n),
            overdue=int(over),
            due_soon=int(due),
            never_verified=int(never),
            failed=int(failed),
            suspended=int(susp),
        )
        for code, vi, en, n, over, due, never, failed, susp in repo.due_by_type(
            paths, as_of=as_of, until=until, due_soon_days=soon
        )
    ]
    fields = ("instruments", "overdue", "due_soon", "never_verified", "failed", "suspended")
    total = DueRow(
        type_code="",
        name_vi="Tổng cộng",
        name_en="Total",
        **{f: sum(getattr(r, f) for r in rows) for f in fields},
    )
    return DueSection(as_of=as_of, due_soon_days=soon, total=total, by_type=rows)


def _kinds(repo: ReportRepository, paths: Paths, first: date, last: date) -> list[KindVerified]:
    return [
        KindVerified(
            kind=str(k),
            name_vi=rules.label(rules.VERIFICATION_KINDS_VI, str(k)),
            verifications=int(n),
            passed=int(ok),
            failed=int(bad),
            incomplete=int(short),
        )
        for k, n, ok, bad, short in repo.verified_by_kind(paths, first, last)
    ]


def _control(
    repo: ReportRepository, paths: Paths, start: datetime, end: datetime
) -> ControlSection:
    stations, devices = repo.control_devices(paths, start, end)
    checks, shortfalls, missing, indications = repo.consumer_checks(paths, start, end)
    return ControlSection(
        stations=int(stations),
        devices=int(devices),
        consumer_checks=int(checks),
        shortfalls=int(shortfalls),
        indications=int(indications),
        missing_g=round(float(missing), 1),
        suspect_sellers=repo.suspect_sellers(paths, start, end),
        inspection_requests=repo.inspection_requests(paths, start, end),
    )


def _inspections(
    repo: ReportRepository, paths: Paths, first: date, last: date
) -> InspectionSection:
    inspections, closed, sites = repo.inspections(paths, first, last)
    findings = [
        FindingCount(
            kind=str(k),
            name_vi=rules.label(rules.FINDING_KINDS_VI, str(k)),
            findings=int(n),
            instruments=int(i),
        )
        for k, n, i in repo.findings_by_kind(paths, first, last)
    ]
    return InspectionSection(
        inspections=int(inspections),
        closed=int(closed),
        sites=int(sites),
        findings=sum(f.findings for f in findings),
        by_kind=findings,
    )


def _stamps(repo: ReportRepository, paths: Paths, year: int) -> StampSection:
    first, last, start, end = rules.year_bounds(year)
    revoked = [
        ReasonCount(
            reason=str(r), name_vi=rules.label(rules.REVOKE_REASONS_VI, str(r)), stamps=int(n)
        )
        for r, n in repo.stamps_revoked(paths, start, end)
    ]
    return StampSection(
        issued=repo.stamps_issued(paths, first, last),
        revoked=sum(r.stamps for r in revoked),
        revoked_by_reason=revoked,
    )


def _ref(unit: AdminUnit, today: date) -> UnitRef:
    return UnitRef(
        code=unit.code,
        name=unit.name,
        level=str(unit.level),
        scheme=unit.scheme,
        division_type=unit.division_type,
        former=not area.valid_today(unit, today),
    )


def _issuer(session: Session, unit: AdminUnit, *, today: date, settings: Settings) -> IssuerRef:
    """Return who issues the report: a commune of today's list issues its own (its people's
    committee); anything else (a province, a unit that has ended) the province's department."""
    province = area.province_of(session, unit, today) or unit
    above = place_of(province.division_type, province.name)
    if unit.level == UnitLevel.COMMUNE and area.valid_today(unit, today):
        body = commune_body(settings, place_of(unit.division_type, unit.name), above)
    else:
        body = province_body(settings, above)
    return IssuerRef(
        level=body.level,
        name=body.name,
        name_en=body.name_en,
        heading=list(body.heading),
        symbol=body.symbol,
        place=body.place,
        signer=list(body.signer),
        reports_to=body.reports_to,
    )


def yearly_report(
    session: Session, user: Principal, *, unit_code: str, year: int, today: date, settings: Settings
) -> YearlyReport:
    """Return the yearly report of a unit the user may read (as of 31/12 or today).

    The year is reported by the units valid at its end; records count under the unit they
    were made under, instruments under the unit their site lay in on the as-of day.
    """
    if year > today.year:
        raise Invalid(
            f"The year {year} has not begun.",
            message_vi=f"Năm {year} chưa bắt đầu.",
            loc=["query", "year"],
        )
    unit = area.resolve(session, unit_code, year)
    user.require_read(unit.path)
    unit = area.valid_for(session, unit, year)
    user.require_read(unit.path)
    covered = area.area_of(session, unit)
    repo, paths = ReportRepository(session), covered.paths
    first, last, start, end = rules.year_bounds(year)
    day = rules.as_of(year, today)
    by_type = _verified(repo, paths, first, last)
    return YearlyReport(
        unit=_ref(unit, today),
        issuer=_issuer(session, unit, today=today, settings=settings),
        covers=[_ref(u, today) for u in covered.whole],
        notes=[ReportNote(vi=vi, en=en) for vi, en in area.notes(covered, year)],
        year=year,
        as_of=day,
        generated_at=utcnow(),
        verified_by_type=by_type,
        verified_total=_total(by_type),
        verifications_by_kind=_kinds(repo, paths, first, last),
        due=_due(repo, paths, day, settings.due_soon_days),
        control_scales=_control(repo, paths, start, end),
        inspections=_inspections(repo, paths, first, last),
        stamps=_stamps(repo, paths, year),
    )
