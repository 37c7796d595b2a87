"""Days off an office declares for its verification rounds (besides the public holidays)."""

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow


class OfficeDayOff(SQLModel, table=True):
    """A day an office does no rounds in a unit and everything under it (a local festival, a
    day swapped for a working Saturday, the Tết days the government gives beyond the calendar)."""

    __tablename__ = "office_day_off"
    __table_args__ = (UniqueConstraint("unit_id", "day", name="uq_office_day_off_unit_day"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="admin_unit.id", index=True)
    day: date = Field(index=True)
    reason: str = Field(max_length=200)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
