"""API shapes for sites."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from metrology_svc.core.text import Line, Name
from metrology_svc.sites.models import SiteBase, SiteKind


class SiteCreate(SiteBase):
    """A new site, placed in a unit by its code, an old (2004) code, or its address."""

    unit_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=400,
        description="Code of the unit in force (18073); an old code (18077, 2004:18077) or an "
        "address is read as the unit in force, with a warning; absent: read from `address`",
    )


class SiteWarning(SQLModel):
    """Something the service read for the client and wants checked (e.g. an old code)."""

    message: str
    message_vi: str


class SiteUpdate(SQLModel):
    """Changes to a site; absent fields stay as they are."""

    kind: SiteKind | None = None
    name: Name | None = Field(default=None, min_length=1, max_length=200)
    address: Line | None = Field(default=None, max_length=400)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class SitePublic(SiteBase):
    """A site as the API returns it."""

    id: int
    unit_id: int
    unit_code: str
    created_at: datetime
    retired_at: datetime | None
    warnings: list[SiteWarning] = Field(
        default_factory=list,
        description="On creation: how an old code or an address was read (vi and en)",
    )


class MoveUnit(SQLModel):
    """A unit as a site's history names it: code, name and the code scheme it belongs to."""

    id: int
    code: str
    name: str
    scheme: str


class SiteMovePublic(SQLModel):
    """One move of a site between administrative units (e.g. to its 2025 commune)."""

    id: int
    from_unit: MoveUnit
    to_unit: MoveUnit
    moved_at: datetime
    reason: str = Field(description="succession_whole, succession_reviewed or manual")
    basis: str = Field(description="The resolution, or the reviewer's note")
    by_user_id: int | None
    by_name: str | None = Field(description="Who moved it (none: the rehome run)")


class SiteHistory(SQLModel):
    """A site's current unit and its moves, oldest first."""

    site_id: int
    unit_id: int
    unit_code: str
    moves: list[SiteMovePublic]
