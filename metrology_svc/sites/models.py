"""Sites: markets, fuel stations and other places where instruments are used."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class SiteKind(StrEnum):
    """What kind of place a site is."""

    MARKET = "market"
    FUEL_STATION = "fuel_station"
    OTHER = "other"


class SiteBase(SQLModel):
    """Fields a client gives for a site."""

    kind: SiteKind
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=400)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Site(SiteBase, table=True):
    """A site in an administrative unit; never hard-deleted, only retired."""

    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_site_unit_name"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: SiteKind = Field(sa_type=EnumText(SiteKind, 16))
    unit_id: int = Field(foreign_key="admin_unit.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None
