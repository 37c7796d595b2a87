"""A site whose old commune was split: a person decides which new commune it belongs to."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class CaseStatus(StrEnum):
    """Where a review case stands."""

    OPEN = "open"
    DECIDED = "decided"


class RehomeCase(SQLModel, table=True):
    """A site in an old unit that went to several new ones, waiting for a reviewer's decision.

    `candidates` lists the successor units ({"unit_id", "code", "name", "default"}); the
    suggestion is read from the site's address or coordinates with vietnamadminunits, and
    `suggestion_reason` says how (address, coordinates, the resolution's main successor).
    """

    __tablename__ = "rehome_case"
    __table_args__ = (
        UniqueConstraint("site_id", "old_unit_id", "to_scheme", name="uq_rehome_case"),
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    old_unit_id: int = Field(foreign_key="admin_unit.id")
    to_scheme: str = Field(foreign_key="unit_scheme.key", max_length=16)
    candidates: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    suggested_unit_id: int | None = Field(default=None, foreign_key="admin_unit.id")
    suggestion_reason: str = Field(default="", max_length=300)
    status: CaseStatus = Field(
        default=CaseStatus.OPEN, sa_type=EnumText(CaseStatus, 16), index=True
    )
    decided_unit_id: int | None = Field(default=None, foreign_key="admin_unit.id")
    decided_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = None
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
