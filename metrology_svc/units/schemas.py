"""API shapes for administrative units."""

from sqlmodel import Field

from metrology_svc.units.models import AdminUnitBase


class AdminUnitCreate(AdminUnitBase):
    """A new unit; a district or commune names its parent by code."""

    parent_code: str | None = Field(default=None, max_length=16)


class AdminUnitPublic(AdminUnitBase):
    """A unit as the API returns it."""

    id: int
    parent_id: int | None
    path: str
