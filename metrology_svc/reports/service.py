"""Build the yearly report of a unit from the repository's aggregates."""

from datetime import date

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid
from metrology_svc.core.issuer import commune_body, place_of, province_body
from metrology_svc.reports import area, rules, sections
from metrology_svc.reports.models import ReportText
from metrology_svc.reports.repository import ReportRepository
from metrology_svc.reports.schemas import (
    IssuerRef,
    ReportNote,
    ReportTexts,
    UnitRef,
    YearlyReport,
)
from metrology_svc.reports.store import ReportTextRepository
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel


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
    committee, signed "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"); anything else (a province, a unit
    that has ended) the province's department, signed as the office's settings say (the
    letters' signer and abbreviation), else by its director."""
    province = area.province_of(session, unit, today) or unit
    above = place_of(province.division_type, province.name)
    if unit.level == UnitLevel.COMMUNE and area.valid_today(unit, today):
        body = commune_body(settings, place_of(unit.division_type, unit.name), above)
        signer, symbol = list(body.signer), body.symbol
    else:
        body = province_body(settings, above)
        configured = (settings.document_signer_authority, settings.document_signer_position)
        signer = [line for line in configured if line] or list(body.signer)
        symbol = settings.document_issuer_abbreviation or body.symbol
    return IssuerRef(
        level=body.level,
        name=body.name,
        name_en=body.name_en,
        heading=list(body.heading),
        symbol=symbol,
        place=body.place,
        signer=signer,
        signer_name=settings.document_signer_name if body.level == "province" else "",
        reports_to=body.reports_to,
    )


MAX_YEARS = 30  # a period of more years is surely a typing error


def check_period(first: date, last: date, today: date) -> None:
    loc = ["query", "period_from"]
    if last < first:
        raise Invalid(
            f"The period ends ({last:%d/%m/%Y}) before it begins ({first:%d/%m/%Y}).",
            message_vi=f"Ngày kết thúc ({last:%d/%m/%Y}) trước ngày bắt đầu ({first:%d/%m/%Y}).",
            loc=loc,
        )
    if first > today:
        raise Invalid(
            f"The period beginning {first:%d/%m/%Y} has not begun.",
            message_vi=f"Kỳ báo cáo bắt đầu ngày {first:%d/%m/%Y} chưa bắt đầu.",
            loc=loc,
        )
    if last.year - first.year >= MAX_YEARS:
        raise Invalid(
            f"A report covers at most {MAX_YEARS} years.",
            message_vi=f"Một báo cáo chỉ tính tối đa {MAX_YEARS} năm.",
            loc=loc,
        )


def unit_for(session: Session, user: Principal, code: str, year: int) -> AdminUnit:
    unit = area.resolve(session, code, year)
    user.require_read(unit.path)
    unit = area.valid_for(session, unit, year)
    user.require_read(unit.path)
    return unit


def _texts(row: ReportText | None) -> ReportTexts:
    if row is None:
        return ReportTexts()
    return ReportTexts(
        achievements=row.achievements,
        shortcomings=row.shortcomings,
        next_steps=row.next_steps,
        proposals=row.proposals,
    )


def period_report(
    session: Session,
    user: Principal,
    *,
    unit_code: str,
    first: date,
    last: date,
    today: date,
    settings: Settings,
) -> YearlyReport:
    """Return the report of a unit the user may read over a period (one year or several).

    The period is reported by the units valid at its end (an old unit that went whole into
    the unit is counted with it); records count under the unit they were made under,
    instruments under the unit their site lay in on the as-of day (the period's last day,
    or today). The office's texts and the number, once issued, come with it.
    """
    check_period(first, last, today)
    unit = unit_for(session, user, unit_code, last.year)
    covered = area.area_of(session, unit)
    repo, paths = ReportRepository(session), covered.paths
    bounds = rules.period_bounds(first, last)
    start, end = bounds[2], bounds[3]
    day = rules.period_as_of(last, today)
    by_type = sections.verified(repo, paths, first, last)
    kept = ReportTextRepository(session).get(
        scheme=unit.scheme, code=unit.code, first=first, last=last
    )
    return YearlyReport(
        unit=_ref(unit, today),
        issuer=_issuer(session, unit, today=today, settings=settings),
        covers=[_ref(u, today) for u in covered.whole],
        notes=[ReportNote(vi=vi, en=en) for vi, en in area.notes(covered, last.year)],
        year=last.year,
        period_from=first,
        period_to=last,
        period=rules.period_words(first, last),
        number=kept.number if kept else None,
        issued_on=kept.issued_on if kept else None,
        dated_on=kept.issued_on if kept and kept.issued_on else today,
        as_of=day,
        generated_at=utcnow(),
        verified_by_type=by_type,
        verified_total=sections.total(by_type),
        verifications_by_kind=sections.kinds(repo, paths, first, last),
        due=sections.due(repo, paths, day, settings.due_soon_days, current=day >= today),
        control_scales=sections.control(repo, paths, start, end),
        inspections=sections.inspections(repo, paths, first, last),
        inspections_by_site=sections.by_site(repo, paths, first, last),
        measurement_checks=sections.checks(repo, paths, first, last),
        stamps=sections.stamps(repo, paths, bounds),
        texts=_texts(kept),
    )


def yearly_report(
    session: Session, user: Principal, *, unit_code: str, year: int, today: date, settings: Settings
) -> YearlyReport:
    """Return the report of one calendar year (as of 31/12 or today)."""
    if year > today.year:
        raise Invalid(
            f"The year {year} has not begun.",
            message_vi=f"Năm {year} chưa bắt đầu.",
            loc=["query", "year"],
        )
    return period_report(
        session,
        user,
        unit_code=unit_code,
        first=date(year, 1, 1),
        last=date(year, 12, 31),
        today=today,
        settings=settings,
    )


def period_of(
    *, year: int | None, period_from: date | None, period_to: date | None
) -> tuple[date, date]:
    """Return the period a query names: both dates, or one calendar year."""
    if period_from is not None and period_to is not None:
        return period_from, period_to
    if year is not None and period_from is None and period_to is None:
        return date(year, 1, 1), date(year, 12, 31)
    raise Invalid(
        "Give a year, or both period_from and period_to (e.g. 2021-01-01 and 2025-12-31).",
        message_vi="Hãy chọn năm, hoặc cả ngày bắt đầu và ngày kết thúc kỳ báo cáo "
        "(ví dụ 01/01/2021 và 31/12/2025).",
        loc=["query", "year"],
    )


def report_for(
    session: Session,
    user: Principal,
    *,
    unit_code: str,
    year: int | None,
    period_from: date | None,
    period_to: date | None,
    today: date,
    settings: Settings,
) -> YearlyReport:
    """Return the report a query asks for: of a year, or of a period of any length."""
    if period_from is None and period_to is None and year is not None:
        return yearly_report(
            session, user, unit_code=unit_code, year=year, today=today, settings=settings
        )
    first, last = period_of(year=year, period_from=period_from, period_to=period_to)
    return period_report(
        session, user, unit_code=unit_code, first=first, last=last, today=today, settings=settings
    )
