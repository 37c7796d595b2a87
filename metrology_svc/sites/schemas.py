"""API shapes for sites."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from metrology_svc.sites.models import SiteBase, SiteKind


class SiteCreate(SiteBase):
    """A new site, placed in a unit by its official code."""

    unit_code: str = Field(min_length=1, max_length=16)


class SiteUpdate(SQLModel):
    """Changes to a site; absent fields stay as they are."""

    kind: SiteKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=400)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class SitePublic(SiteBase):
    """A site as the API returns it."""

    id: int
    unit_id: int
    unit_code: str
    created_at: datetime
    retired_at: datetime | None
