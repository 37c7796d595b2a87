"""Build the yearly report of a unit from the repository's aggregates."""

from datetime import date, datetime

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid
from metrology_svc.reports import rules
from metrology_svc.reports.repository import ReportRepository
from metrology_svc.reports.schemas import (
    ControlSection,
    DueRow,
    DueSection,
    FindingCount,
    InspectionSection,
    KindVerified,
    ReasonCount,
    StampSection,
    TypeVerified,
    UnitRef,
    YearlyReport,
)
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.service import unit_by_code


def _unit(session: Session, user: Principal, unit_code: str) -> AdminUnit:
    unit = unit_by_code(session, unit_code)
    user.require_read(unit.path)
    return unit


def _verified(repo: ReportRepository, path: str, first: date, last: date) -> list[TypeVerified]:
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
            path, first, last
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


def _due(repo: ReportRepository, path: str, as_of: date, soon: int) -> DueSection:
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
            path, as_of=as_of, until=until, due_soon_days=soon
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


def _kinds(repo: ReportRepository, path: str, first: date, last: date) -> list[KindVerified]:
    return [
        KindVerified(
            kind=str(k),
            name_vi=rules.label(rules.VERIFICATION_KINDS_VI, str(k)),
            verifications=int(n),
            passed=int(ok),
            failed=int(bad),
            incomplete=int(short),
        )
        for k, n, ok, bad, short in repo.verified_by_kind(path, first, last)
    ]


def _control(repo: ReportRepository, path: str, start: datetime, end: datetime) -> ControlSection:
    stations, devices = repo.control_devices(path, start, end)
    checks, shortfalls, missing, indications = repo.consumer_checks(path, start, end)
    return ControlSection(
        stations=int(stations),
        devices=int(devices),
        consumer_checks=int(checks),
        shortfalls=int(shortfalls),
        indications=int(indications),
        missing_g=round(float(missing), 1),
        suspect_sellers=repo.suspect_sellers(path, start, end),
        inspection_requests=repo.inspection_requests(path, start, end),
    )


def _inspections(repo: ReportRepository, path: str, first: date, last: date) -> InspectionSection:
    inspections, closed, sites = repo.inspections(path, first, last)
    findings = [
        FindingCount(
            kind=str(k),
            name_vi=rules.label(rules.FINDING_KINDS_VI, str(k)),
            findings=int(n),
            instruments=int(i),
        )
        for k, n, i in repo.findings_by_kind(path, first, last)
    ]
    return InspectionSection(
        inspections=int(inspections),
        closed=int(closed),
        sites=int(sites),
        findings=sum(f.findings for f in findings),
        by_kind=findings,
    )


def _stamps(repo: ReportRepository, path: str, year: int) -> StampSection:
    first, last, start, end = rules.year_bounds(year)
    revoked = [
        ReasonCount(
            reason=str(r), name_vi=rules.label(rules.REVOKE_REASONS_VI, str(r)), stamps=int(n)
        )
        for r, n in repo.stamps_revoked(path, start, end)
    ]
    return StampSection(
        issued=repo.stamps_issued(path, first, last),
        revoked=sum(r.stamps for r in revoked),
        revoked_by_reason=revoked,
    )


def yearly_report(
    session: Session, user: Principal, *, unit_code: str, year: int, today: date, settings: Settings
) -> YearlyReport:
    """Return the yearly report of a unit the user may read (as of 31/12 or today)."""
    unit = _unit(session, user, unit_code)
    if year > today.year:
        raise Invalid(
            f"The year {year} has not begun.",
            message_vi=f"Năm {year} chưa bắt đầu.",
            loc=["query", "year"],
        )
    repo, path = ReportRepository(session), unit.path
    first, last, start, end = rules.year_bounds(year)
    day = rules.as_of(year, today)
    by_type = _verified(repo, path, first, last)
    return YearlyReport(
        unit=UnitRef(code=unit.code, name=unit.name, level=str(unit.level)),
        year=year,
        as_of=day,
        generated_at=utcnow(),
        verified_by_type=by_type,
        verified_total=_total(by_type),
        verifications_by_kind=_kinds(repo, path, first, last),
        due=_due(repo, path, day, settings.due_soon_days),
        control_scales=_control(repo, path, start, end),
        inspections=_inspections(repo, path, first, last),
        stamps=_stamps(repo, path, year),
    )
