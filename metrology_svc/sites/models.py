"""Sites: markets, fuel stations and other places where instruments are used."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText
from metrology_svc.core.text import Line, Name


class SiteKind(StrEnum):
    """What kind of place a site is."""

    MARKET = "market"
    FUEL_STATION = "fuel_station"
    GOLD_SHOP = "gold_shop"  # cửa hàng vàng bạc: gold measured in trade (Circular 22/2013)
    OTHER = "other"


class SiteBase(SQLModel):
    """Fields a client gives for a site."""

    kind: SiteKind
    name: Name = Field(min_length=1, max_length=200)
    address: Line = Field(default="", max_length=400)
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


class SiteMove(SQLModel, table=True):
    """A site moved from one administrative unit to another (e.g. to its 2025 commune).

    The records made at the site before the move keep the unit they were made under; this
    row is the site's own history and lets a report find the unit a site was in on a day.
    """

    __tablename__ = "site_move"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    from_unit_id: int = Field(foreign_key="admin_unit.id")
    to_unit_id: int = Field(foreign_key="admin_unit.id")
    moved_at: datetime = Field(default_factory=utcnow, index=True)
    # "succession_whole", "succession_reviewed", "manual"
    reason: str = Field(max_length=32)
    basis: str = Field(default="", max_length=300)  # resolution, or the reviewer's note
    by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
