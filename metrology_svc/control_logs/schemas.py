"""API shapes of the control-scale log."""

from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, Field

from metrology_svc.imports.schemas import ErrorCount, RowErrorPublic


class EntryCreate(BaseModel):
    """One line of the paper log: masses in grams, the time with its UTC offset."""

    scale_id: int = Field(description="The market's control scale (instrument id)")
    measured_at: AwareDatetime
    seller: str = Field(min_length=1, max_length=32, description="Stall or seller as logged")
    goods: str = Field(default="", max_length=64)
    declared_g: Decimal = Field(description="Mass the seller said, g")
    measured_g: Decimal = Field(description="Mass on the control scale, g")
    note: str = Field(default="", max_length=500)


class EntryPublic(BaseModel):
    """A stored log line and how its check was judged (the reading's figures)."""

    id: int
    site_id: int
    instrument_id: int
    reading_id: int | None
    measured_at: datetime
    seller: str
    goods: str
    declared_g: float
    measured_g: float
    note: str
    channel: str
    file_name: str | None
    file_row: int | None
    entered_by: int
    entered_at: datetime
    source: str | None = Field(default=None, description="The reading's source: manual")
    short: bool | None = Field(default=None, description="Short under a binding table")
    missing_g: float | None = None
    shortfall_rule_id: int | None = None
    trusted: bool | None = None


class EntryOutcome(BaseModel):
    """What sending one line did: stored now, or already stored before (nothing added)."""

    stored: bool
    entry: EntryPublic | None = None
    inspection_requests: list[int] = Field(default_factory=list)


class LogImportReport(BaseModel):
    """What a log import did: every row stored, already stored, or refused cell by cell."""

    rows: int
    stored: int
    duplicates: int = Field(description="Rows stored by an earlier form or import: not again")
    refused: int
    convention: str
    errors: list[RowErrorPublic] = Field(description="Every error of the first 100 refused rows")
    errors_total: int = Field(default=0, description="Errors in all refused rows")
    reasons: list[ErrorCount] = Field(default_factory=list, description="Errors by column, reason")
    inspection_requests: list[int] = Field(default_factory=list)
