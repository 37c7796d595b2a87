"""API shapes for rule tables and the rule reference stored with judgements."""

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlmodel import Field, SQLModel

MAX_ROWS = 1000
Cell = str | int | float | None


class RuleTableCreate(SQLModel):
    """A new version of a rule table: its rows, the date it applies from, its source."""

    code: str = Field(max_length=32, description="cycles, scale_mpe, scale_classes, …")
    effective_from: date
    effective_to: date | None = Field(default=None, description="Last day in force, if known")
    status: Literal["sourced", "unverified", "reference-only"]
    binding: bool = Field(default=False, description="Shortfall: evidence is 'short' only if so")
    source: str = Field(min_length=5, max_length=1000, description="Where the numbers come from")
    units: dict[str, str] | None = Field(
        default=None, description="Optional: each column's unit, checked against the table's"
    )
    rows: list[dict[str, Cell]] = Field(min_length=1, max_length=MAX_ROWS)

    @model_validator(mode="after")
    def _dates_and_source(self) -> "RuleTableCreate":
        if not self.source.strip():
            raise ValueError("source is required")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to must not be before effective_from")
        if self.binding and self.status == "reference-only":
            raise ValueError("a reference-only table cannot be binding")
        return self


class RuleTableSummary(SQLModel):
    """A rule table version without its rows."""

    id: int
    code: str
    version: str
    title: str
    label: str
    effective_from: date
    effective_to: date | None
    status: str
    binding: bool
    source: str
    origin: str
    units: dict[str, str]
    row_count: int
    loaded_by_user_id: int | None
    loaded_at: datetime


class RuleTablePublic(RuleTableSummary):
    """A rule table version with its rows (exact decimal text; empty cells left out)."""

    rows: list[dict[str, str]]
