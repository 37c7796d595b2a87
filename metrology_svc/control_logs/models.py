"""One line of a market board's paper control-scale log, and the reading it became."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow


class ControlLogEntry(SQLModel, table=True):
    """A consumer re-weighing copied from a market's paper log (sổ theo dõi cân đối chứng).

    The check itself is a Reading (source "manual") judged by the ingest's own code; this row
    keeps what the paper says that a reading has no place for, who entered it, and the line's
    identity, so a form sent twice or a file imported again stores nothing twice.
    """

    __tablename__ = "control_log_entry"
    __table_args__ = (Index("ix_control_log_entry_site", "site_id", "measured_at"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    instrument_id: int = Field(foreign_key="instrument.id", index=True)  # the control scale
    reading_id: int | None = Field(default=None, foreign_key="reading.id", unique=True)
    measured_at: datetime
    seller: str = Field(max_length=32)  # the stall or seller as the log names them
    goods: str = Field(default="", max_length=64)
    declared_g: float  # what the seller said
    measured_g: float  # what the control scale showed
    note: str = Field(default="", max_length=500)
    channel: str = Field(sa_type=String(8))  # "form" | "import"
    file_name: str | None = Field(default=None, max_length=200)
    file_row: int | None = None
    entered_by: int = Field(foreign_key="app_user.id")
    entered_at: datetime = Field(default_factory=utcnow)
    # SHA-256 (hex) of market, scale, time, seller and both masses: one line, stored once.
    identity: str = Field(max_length=64, unique=True)
