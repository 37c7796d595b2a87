"""Queries on the texts an office keeps with a report (ReportText)."""

from datetime import date

from sqlmodel import Session, select

from metrology_svc.reports.models import ReportText


class ReportTextRepository:
    """Reads and adds the office's texts of reports."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, *, scheme: str, code: str, first: date, last: date) -> ReportText | None:
        """Return the texts of a unit's report for a period, if the office wrote any."""
        stmt = select(ReportText).where(
            ReportText.unit_scheme == scheme,
            ReportText.unit_code == code,
            ReportText.period_from == first,
            ReportText.period_to == last,
        )
        return self.session.exec(stmt).first()

    def add(self, row: ReportText) -> ReportText:
        """Stage a new row and flush it (it gets its id)."""
        self.session.add(row)
        self.session.flush()
        return row
