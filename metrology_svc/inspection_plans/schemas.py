"""API shapes for inspection plans, their targets, approval and the inspections they open."""

from datetime import date, datetime

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from metrology_svc.inspection_plans.models import PlanState
from metrology_svc.sites.models import SiteKind

MAX_ID = 2**31 - 1  # PostgreSQL integer ids
TEXT = 4000


class PlanCreate(SQLModel):
    """A new plan: its period (a year, or dates within it), issuer, scope and texts."""

    year: int = Field(ge=2000, le=2100)
    period_from: date | None = Field(default=None, description="Default: 1 January of the year")
    period_to: date | None = Field(default=None, description="Default: 31 December of the year")
    issuer_unit_code: str = Field(
        min_length=1, max_length=16, description="Province (its Sở KH&CN) or commune (its UBND)"
    )
    unit_codes: list[str] = Field(min_length=1, max_length=500, description="Units covered")
    site_kinds: list[SiteKind] = Field(min_length=1, max_length=10)
    subject: str = Field(default="", max_length=300, description="Default from the period")
    purpose: str = Field(default="", max_length=TEXT, description="I. Mục đích, yêu cầu")
    content: str = Field(default="", max_length=TEXT, description="II. Nội dung")
    resources: str = Field(default="", max_length=TEXT, description="III. Tổ chức thực hiện")


class PlanUpdate(SQLModel):
    """Changes to a draft plan; what is left out stays as it is."""

    period_from: date | None = None
    period_to: date | None = None
    unit_codes: list[str] | None = Field(default=None, min_length=1, max_length=500)
    site_kinds: list[SiteKind] | None = Field(default=None, min_length=1, max_length=10)
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    purpose: str | None = Field(default=None, max_length=TEXT)
    content: str | None = Field(default=None, max_length=TEXT)
    resources: str | None = Field(default=None, max_length=TEXT)


class TargetCreate(SQLModel):
    """A planned target: a site and a month of the plan, or a window of dates."""

    site_id: int = Field(ge=1, le=MAX_ID)
    month: int | None = Field(default=None, ge=1, le=12, description="In the plan's first year")
    window_from: date | None = None
    window_to: date | None = None
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _one_time(self) -> "TargetCreate":
        dates = (self.window_from, self.window_to)
        if self.month is None and None in dates:
            raise ValueError("give month, or window_from and window_to")
        if self.month is not None and dates != (None, None):
            raise ValueError("give month or a window of dates, not both")
        return self


class TargetsAdd(SQLModel):
    """Targets added to a draft plan together (all or none)."""

    targets: list[TargetCreate] = Field(min_length=1, max_length=500)


class PlanApprove(SQLModel):
    """Approval: the date and who signs (empty authority and position: the office's own)."""

    approved_on: date
    signer_authority: str = Field(default="", max_length=100, description="KT. GIÁM ĐỐC")
    signer_position: str = Field(default="", max_length=100, description="PHÓ GIÁM ĐỐC")
    signer_name: str = Field(min_length=2, max_length=200)


class InspectionOpen(SQLModel):
    """Open the inspection of a planned target (the team leader; today unless given)."""

    inspector: str = Field(min_length=2, max_length=200, description="Trưởng đoàn")
    inspected_on: date | None = None
    note: str = Field(default="", max_length=1000)


class UnitRef(SQLModel):
    """An administrative unit named in a plan."""

    code: str
    name: str
    level: str


class TargetPublic(SQLModel):
    """A planned target with its site, unit and the inspection opened for it (if any)."""

    id: int
    site_id: int
    site_name: str
    site_kind: SiteKind
    unit_code: str
    unit_name: str
    window_from: date
    window_to: date
    note: str
    inspection_id: int | None
    done: bool


class PlanPublic(SQLModel):
    """A plan as the API returns it, with its number once approved and its progress."""

    id: int
    year: int
    period_from: date
    period_to: date
    issuer_unit_code: str
    issuer_name: str
    subject: str
    purpose: str
    content: str
    resources: str
    site_kinds: list[SiteKind]
    units: list[UnitRef]
    state: PlanState
    number: int | None
    number_text: str | None
    approved_on: date | None
    signer_authority: str
    signer_position: str
    signer_name: str
    created_at: datetime
    targets_total: int
    targets_done: int


class PlanDetail(PlanPublic):
    """A plan with every target."""

    targets: list[TargetPublic]


class OpenedInspection(SQLModel):
    """The inspection opened for a target, and the target now marked done."""

    inspection_id: int
    target: TargetPublic
