"""Keeping the office's texts with a report (sections II and III) and issuing it: the number
from the document register (type BC), given once and shown again on every reprint."""

import unicodedata
from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict
from metrology_svc.documents.service import number_for
from metrology_svc.reports.models import ReportText
from metrology_svc.reports.schemas import ReportTextsIn, YearlyReport
from metrology_svc.reports.service import check_period, period_report, unit_for
from metrology_svc.reports.store import ReportTextRepository
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit


def _kept_row(session: Session, unit: AdminUnit, first: date, last: date) -> ReportText:
    repo = ReportTextRepository(session)
    found = repo.get(scheme=unit.scheme, code=unit.code, first=first, last=last)
    return found or repo.add(
        ReportText(unit_scheme=unit.scheme, unit_code=unit.code, period_from=first, period_to=last)
    )


def _clean(text: str) -> str:
    """Return an office's text without control characters (but its line breaks), NFC."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()


def save_texts(
    session: Session, user: Principal, data: ReportTextsIn, *, today: date, settings: Settings
) -> YearlyReport:
    """Keep the office's texts (sections II and III) with a report; an issued report's texts
    are the record and do not change."""
    check_period(data.period_from, data.period_to, today)
    unit = unit_for(session, user, data.unit_code, data.period_to.year)
    user.require_write(unit.path)
    row = _kept_row(session, unit, data.period_from, data.period_to)
    if row.number is not None:
        raise Conflict(
            f"Report No. {row.number} was issued on {row.issued_on:%d/%m/%Y}: its text is kept "
            "as issued.",
            message_vi=f"Báo cáo số {row.number} đã ban hành ngày {row.issued_on:%d/%m/%Y}: "
            "không sửa nội dung đã ban hành.",
        )
    for name in ("achievements", "shortcomings", "next_steps", "proposals"):
        setattr(row, name, _clean(getattr(data, name)))
    row.updated_at, row.updated_by = utcnow(), user.user_id
    session.add(row)
    session.flush()
    _audit(session, user, "texts", row, ("achievements", "shortcomings", "next_steps", "proposals"))
    return period_report(
        session,
        user,
        unit_code=data.unit_code,
        first=data.period_from,
        last=data.period_to,
        today=today,
        settings=settings,
    )


def _audit(
    session: Session, user: Principal, what: str, row: ReportText, names: tuple[str, ...]
) -> None:
    keys = ("unit_scheme", "unit_code", "period_from", "period_to", *names)
    detail = {name: getattr(row, name) for name in keys}
    audit(
        session,
        actor=user,
        action=f"report.{what}",
        entity="report_text",
        entity_id=row.id,
        detail=detail,
    )


def issue(
    session: Session,
    user: Principal,
    *,
    unit_code: str,
    first: date,
    last: date,
    today: date,
    settings: Settings,
) -> YearlyReport:
    """Issue a report: give it the next number of the issuing body's reports (BC) this year
    from the document register, and its date; issuing again returns the same number."""
    report = period_report(
        session, user, unit_code=unit_code, first=first, last=last, today=today, settings=settings
    )
    unit = unit_for(session, user, unit_code, last.year)
    user.require_write(unit.path)
    row = _kept_row(session, unit, first, last)
    if row.number is None:
        row.number = number_for(
            session,
            ref=f"report:{row.id}",
            issuer_code=report.issuer.name,
            year=today.year,
            doc_type=DOC_TYPE,
        )
        row.issued_on, row.issuer_name = today, report.issuer.name
        session.add(row)
        session.flush()
        _audit(session, user, "issue", row, ("number", "issued_on", "issuer_name"))
    report.number, report.issued_on = row.number, row.issued_on
    report.dated_on = row.issued_on or today
    return report


DOC_TYPE = "BC"  # báo cáo, in the register and the number ("Số: 12/BC-SKHCN")
