"""The figures of a report's section I, one builder per table, from the repository's
aggregates (states, kinds and site kinds counted by their stored codes)."""

from datetime import date, datetime

from metrology_svc.reports import rules
from metrology_svc.reports.repository import Paths, ReportRepository
from metrology_svc.reports.schemas import (
    ControlSection,
    DueRow,
    DueSection,
    FindingCount,
    InspectionSection,
    KindVerified,
    MeasurementCheckCount,
    ReasonCount,
    SiteKindInspections,
    StampSection,
    TypeVerified,
)
from metrology_svc.reports.states import DUE_COLUMNS


def verified(repo: ReportRepository, paths: Paths, first: date, last: date) -> list[TypeVerified]:
    """Return the verifications of the period per instrument type."""
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


def total(rows: list[TypeVerified]) -> TypeVerified:
    """Return the total over the types."""
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


def due(
    repo: ReportRepository, paths: Paths, as_of: date, soon: int, *, current: bool
) -> DueSection:
    """Return the instruments in use on the as-of day per type, one state each."""
    until = rules.end_of_day(as_of)
    rows = [
        DueRow(
            type_code=code,
            name_vi=vi,
            name_en=en,
            instruments=int(n),
            in_service=int(ok),
            due_soon=int(due),
            overdue=int(over),
            never_verified=int(never),
            failed=int(failed),
            suspended=int(susp),
        )
        for code, vi, en, n, ok, due, over, never, failed, susp in repo.due_by_type(
            paths, as_of=as_of, until=until, due_soon_days=soon, current=current
        )
    ]
    assert len(DUE_COLUMNS) == 6  # the unpacking above follows states.DUE_COLUMNS
    fields = (
        "instruments",
        "in_service",
        "overdue",
        "due_soon",
        "never_verified",
        "failed",
        "suspended",
    )
    total = DueRow(
        type_code="",
        name_vi="Tổng cộng",
        name_en="Total",
        **{f: sum(getattr(r, f) for r in rows) for f in fields},
    )
    return DueSection(as_of=as_of, due_soon_days=soon, total=total, by_type=rows)


def kinds(repo: ReportRepository, paths: Paths, first: date, last: date) -> list[KindVerified]:
    """Return the verifications of the period per kind (initial, periodic, ...)."""
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


def control(repo: ReportRepository, paths: Paths, start: datetime, end: datetime) -> ControlSection:
    """Return the control-scale figures of the period."""
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


def finding(kind: str, findings: int, instruments: int) -> FindingCount:
    """Return a count of findings of one kind, labelled (unknown kinds by their code)."""
    name = rules.label(rules.FINDING_KINDS_VI, kind)
    return FindingCount(kind=kind, name_vi=name, findings=findings, instruments=instruments)


def inspections(repo: ReportRepository, paths: Paths, first: date, last: date) -> InspectionSection:
    """Return the inspections of the period and their findings by kind."""
    inspections, closed, sites = repo.inspections(paths, first, last)
    findings = [
        finding(str(k), int(n), int(i)) for k, n, i in repo.findings_by_kind(paths, first, last)
    ]
    return InspectionSection(
        inspections=int(inspections),
        closed=int(closed),
        sites=int(sites),
        findings=sum(f.findings for f in findings),
        by_kind=findings,
    )


def by_site(
    repo: ReportRepository, paths: Paths, first: date, last: date
) -> list[SiteKindInspections]:
    """Return the inspections per kind of site with their findings and violations (any
    finding but "ok"; kinds counted by their stored code, unknown ones labelled by it)."""
    found: dict[str, list[FindingCount]] = {}
    for site_kind, kind, n, i in repo.findings_by_site_kind(paths, first, last):
        found.setdefault(str(site_kind), []).append(finding(str(kind), int(n), int(i)))
    return [
        SiteKindInspections(
            site_kind=str(k),
            name_vi=rules.label(rules.SITE_KINDS_VI, str(k)),
            inspections=int(n),
            closed=int(done),
            sites=int(where),
            findings=sum(f.findings for f in found.get(str(k), [])),
            violations=sum(
                f.findings for f in found.get(str(k), []) if f.kind != rules.NO_VIOLATION
            ),
            by_kind=found.get(str(k), []),
        )
        for k, n, done, where in repo.inspections_by_site_kind(paths, first, last)
    ]


def checks(
    repo: ReportRepository, paths: Paths, first: date, last: date
) -> list[MeasurementCheckCount]:
    """Return the measurements re-made at the period's inspections, per kind of check."""
    return [
        MeasurementCheckCount(
            kind=str(k),
            name_vi=rules.label(rules.CHECK_KINDS_VI, str(k)),
            checks=int(n),
            short=int(short),
            unsuitable_scale=int(unsuitable),
            violations=int(violations),
        )
        for k, n, short, unsuitable, violations in repo.measurement_checks(paths, first, last)
    ]


def stamps(
    repo: ReportRepository, paths: Paths, bounds: tuple[date, date, datetime, datetime]
) -> StampSection:
    """Return the stamps issued for the period's verifications and revoked in it."""
    first, last, start, end = bounds
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
