"""HTTP endpoints for the report of a year or a period: JSON, XLSX and PDF; the office's texts
(sections II and III) and issuing (the number from the document register)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.reports import issuing, service
from metrology_svc.reports.download import report_file
from metrology_svc.reports.schemas import ReportTextsIn, YearlyReport
from metrology_svc.settings import Settings

router = APIRouter(prefix="/reports", tags=["reports"])

Year = Annotated[int, Field(ge=2000, le=2100)]


class ReportQuery(BaseModel):
    """The query naming a report: a unit, and a year or a period (the API's and the pages')."""

    unit_code: str = Field(
        min_length=1,
        max_length=24,
        description="A province or commune code (e.g. 42, 18754); for a period ending before "
        "2025 a unit of the list then, its list named if need be (e.g. 2004:449)",
    )
    year: Year | None = Field(default=None, description="One calendar year")
    period_from: date | None = Field(
        default=None, description="First day of the period (with period_to)"
    )
    period_to: date | None = Field(
        default=None, description="Last day of the period, e.g. 2025-12-31"
    )

    def period(self) -> tuple[date, date]:
        """Return the first and last day the query names (a year, or both dates), or refuse."""
        return service.period_of(
            year=self.year, period_from=self.period_from, period_to=self.period_to
        )

    def report(
        self, session: Session, user: Principal, *, today: date, settings: Settings
    ) -> YearlyReport:
        """Return the report the query names, for a user who may read it."""
        return service.report_for(
            session,
            user,
            unit_code=self.unit_code,
            year=self.year,
            period_from=self.period_from,
            period_to=self.period_to,
            today=today,
            settings=settings,
        )


ReportQueryDep = Annotated[ReportQuery, Query()]


def _report(
    query: ReportQueryDep,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> YearlyReport:
    return query.report(session, user, today=today, settings=settings)


# The report the query asks for, built once per request for whichever format is wanted.
ReportDep = Annotated[YearlyReport, Depends(_report)]


@router.get("/yearly", response_model=YearlyReport)
def yearly(report: ReportDep) -> YearlyReport:
    """Return the report of a province or commune for a year or a period (e.g. 2021-2025),
    or for a period ending before 2025 of a unit of that time (inspectors: their units)."""
    return report


@router.get("/yearly.xlsx", response_class=Response)
def yearly_xlsx(report: ReportDep) -> Response:
    """Return the report as a workbook: a sheet per section and a bar chart."""
    return report_file(report, "xlsx")


@router.get("/yearly.pdf", response_class=Response)
def yearly_pdf(report: ReportDep) -> Response:
    """Return the report as a printable PDF in the State's document form."""
    return report_file(report, "pdf")


@router.put("/texts", response_model=YearlyReport)
def save_texts(
    data: ReportTextsIn,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> YearlyReport:
    """Keep the office's texts of a report (II: achievements, shortcomings; III: next steps,
    proposals); refused once the report is issued."""
    return issuing.save_texts(session, user, data, today=today, settings=settings)


@router.post("/issue", response_model=YearlyReport)
def issue(
    query: ReportQueryDep,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> YearlyReport:
    """Issue a report: its number from the document register (BC), kept for reprints."""
    first, last = query.period()
    return issuing.issue(
        session,
        user,
        unit_code=query.unit_code,
        first=first,
        last=last,
        today=today,
        settings=settings,
    )
