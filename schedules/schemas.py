"""API shapes of verification rounds."""

from datetime import date

from pydantic import BaseModel


class VisitPublic(BaseModel):
    """One proposed visit."""

    day: date
    inspector_id: int
    inspector: str
    site_id: int
    site_name: str
    instruments: int


class UnplannedPublic(BaseModel):
    """A site whose instruments did not all fit in the window."""

    site_id: int
    site_name: str
    instruments_left: int


class RoundPlanPublic(BaseModel):
    """A proposed verification round for a unit and a window."""

    unit_code: str
    date_from: date
    date_to: date
    capacity: int
    inspectors: int
    sites: int
    instruments: int
    visits: list[VisitPublic]
    unplanned: list[UnplannedPublic]
