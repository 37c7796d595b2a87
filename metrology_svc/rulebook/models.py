"""Rule table versions: dated, sourced, never changed once stored (a correction is a new one)."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow


class RuleTable(SQLModel, table=True):
    """One version of a rule table; judgements point at it by id."""

    __tablename__ = "rule_table"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_rule_table_code_version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, index=True)
    version: str = Field(max_length=32)  # the effective date, ".2" … for later loads of it
    title: str = Field(max_length=200)
    effective_from: date
    effective_to: date | None = None  # the last day in force, when known
    status: str = Field(max_length=16)  # sourced | unverified | reference-only
    binding: bool = False  # evidence against a seller is "short" only under a binding table
    source: str = Field(max_length=1000)
    units: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rows: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    origin: str = Field(max_length=16)  # shipped | loaded
    digest: str = Field(max_length=64)
    loaded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    loaded_at: datetime = Field(default_factory=utcnow)
