"""Inspection plans: the plan, the administrative units it covers, and its planned targets."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class PlanState(StrEnum):
    """Where a plan stands: a draft may change; an approved plan is frozen and numbered."""

    DRAFT = "draft"  # dự thảo
    APPROVED = "approved"  # đã phê duyệt


class InspectionPlan(SQLModel, table=True):
    """A plan of state metrology inspection for a period, issued by a province or a commune.

    The issuing unit decides the issuing body (the province's department, or the commune's
    people's committee); approval takes the number from the document register (type KH) and
    keeps the signer, after which the plan no longer changes.
    """

    __tablename__ = "inspection_plan"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    period_from: date
    period_to: date
    issuer_unit_id: int = Field(foreign_key="admin_unit.id", index=True)
    subject: str = Field(max_length=300)
    purpose: str = Field(default="", max_length=4000)  # I. Mục đích, yêu cầu
    content: str = Field(default="", max_length=4000)  # II. Nội dung
    resources: str = Field(default="", max_length=4000)  # III. Tổ chức thực hiện
    site_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: PlanState = Field(default=PlanState.DRAFT, sa_type=EnumText(PlanState, 16))
    number: int | None = None  # from the document register on approval
    symbol: str = Field(default="", max_length=40)  # the issuer's abbreviation: "SKHCN"
    approved_on: date | None = None
    signer_authority: str = Field(default="", max_length=100)  # "KT. GIÁM ĐỐC"
    signer_position: str = Field(default="", max_length=100)  # "PHÓ GIÁM ĐỐC"
    signer_name: str = Field(default="", max_length=200)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    approved_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = None


class InspectionPlanUnit(SQLModel, table=True):
    """An administrative unit a plan covers (a commune, or a whole province)."""

    __tablename__ = "inspection_plan_unit"

    plan_id: int = Field(foreign_key="inspection_plan.id", primary_key=True)
    unit_id: int = Field(foreign_key="admin_unit.id", primary_key=True, index=True)


class InspectionPlanTarget(SQLModel, table=True):
    """A site the plan means to inspect within a window, and the inspection opened for it."""

    __tablename__ = "inspection_plan_target"
    __table_args__ = (
        UniqueConstraint("plan_id", "site_id", "window_from", name="uq_plan_target_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="inspection_plan.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    window_from: date
    window_to: date
    note: str = Field(default="", max_length=500)
    # Set once, by a conditional update, so one target opens at most one inspection.
    inspection_id: int | None = Field(default=None, foreign_key="inspection.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow)
