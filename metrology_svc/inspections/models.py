"""State inspections at a site and the findings recorded there (each synced exactly once)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class FindingKind(StrEnum):
    """What an inspector found about one instrument or stamp."""

    NO_STAMP = "no_stamp"  # không có tem kiểm định
    EXPIRED_STAMP = "expired_stamp"  # tem hết hiệu lực
    BROKEN_SEAL = "broken_seal"  # kẹp chì / niêm phong bị phá
    ERROR_BEYOND_MPE = "error_beyond_mpe"  # sai số vượt mức cho phép khi sử dụng
    OK = "ok"  # đạt


class InspectionBase(SQLModel):
    """Fields a client gives for an inspection."""

    site_id: int
    inspector: str = Field(min_length=2, max_length=200, description="Trưởng đoàn / inspector")
    inspected_on: date
    note: str = Field(default="", max_length=2000)


class Inspection(InspectionBase, table=True):
    """A state inspection (kiểm tra nhà nước về đo lường) at one site on one day."""

    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    inspected_on: date = Field(index=True)
    # The administrative unit the record was made under (the site's unit then): a record keeps
    # it when the site later moves to a new commune.
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    started_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")


class InspectionFinding(SQLModel, table=True):
    """One finding; its phone-made UUID is unique, so a resend is stored (and acted on) once."""

    __tablename__ = "inspection_finding"

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    kind: FindingKind = Field(sa_type=EnumText(FindingKind, 24))
    instrument_id: int | None = Field(default=None, foreign_key="instrument.id", index=True)
    stamp_id: int | None = Field(default=None, foreign_key="stamp.id")
    note: str = Field(default="", max_length=1000)
    latitude: float | None = None
    longitude: float | None = None
    observed_at: datetime | None = None  # the phone's clock when the finding was made
    # Judged test points: reference, indicated, error, mpe (in-service), passed; g or mL.
    points: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    revoked_stamp_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    status_before: str | None = Field(default=None, max_length=16)
    status_after: str | None = Field(default=None, max_length=16)
    notices_created: int = 0
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
