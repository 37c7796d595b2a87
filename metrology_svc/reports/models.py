"""What an office writes into its report and keeps with it: sections II and III, the number.

One row per unit (its code in its list) and period. The figures of section I are computed on
each printing; the office's own words (assessment, shortcomings, next steps, proposals) and,
once the report is issued, its register number and date are kept here, so that a reprint shows
the same text, number and date.
"""

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow


class ReportText(SQLModel, table=True):
    """The office's texts of one report (unit and period), and its number once issued."""

    __tablename__ = "report_text"
    __table_args__ = (
        UniqueConstraint(
            "unit_scheme", "unit_code", "period_from", "period_to", name="uq_report_text_period"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_scheme: str = Field(max_length=16)
    unit_code: str = Field(max_length=24)
    period_from: date
    period_to: date
    issuer_name: str = Field(default="", max_length=200)  # the body that issued it (register)
    achievements: str = Field(default="", sa_column=Column(Text, nullable=False))
    shortcomings: str = Field(default="", sa_column=Column(Text, nullable=False))
    next_steps: str = Field(default="", sa_column=Column(Text, nullable=False))
    proposals: str = Field(default="", sa_column=Column(Text, nullable=False))
    number: int | None = None  # from the document register (type BC), once issued
    issued_on: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
