"""API shapes of verification rounds and of the offices' days off."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class VisitPublic(BaseModel):
    """One proposed visit: an inspector at a site on a day, and the instruments to verify."""

    day: date
    inspector_id: int
    inspector: str
    site_id: int
    site_name: str
    unit_id: int
    instruments: int
    instrument_ids: list[int]


class UnplannedPublic(BaseModel):
    """A site whose instruments did not all fit in the window (the least urgent are left)."""

    site_id: int
    site_name: str
    instruments_left: int
    instrument_ids: list[int]


class SitePriorityPublic(BaseModel):
    """A site in the round, with why it comes where it does (the sum of its weights)."""

    site_id: int
    site_name: str
    commune: str
    score: int
    failed: int
    overdue: int
    due: int
    never_verified: int


class DayOffPublic(BaseModel):
    """A weekday with no visits: a public holiday, or a day an office declared."""

    id: int | None = None  # None for a public holiday (from the calendar, not the table)
    day: date
    reason: str
    source: Literal["holiday", "office"]
    unit_code: str = ""  # the unit an office day off closes (with everything under it)
    unit_name: str = ""


class RoundPlanPublic(BaseModel):
    """A proposed verification round for a unit and a window."""

    unit_code: str
    date_from: date
    date_to: date
    capacity: int
    inspectors: int
    sites: int
    instruments: int
    priority: list[SitePriorityPublic]
    days_off: list[DayOffPublic]
    visits: list[VisitPublic]
    unplanned: list[UnplannedPublic]


class DayOffCreate(BaseModel):
    """A day off an office declares for a unit (and everything under it)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    unit_code: str = Field(min_length=1, max_length=16)
    day: date
    reason: str = Field(min_length=1, max_length=200)
