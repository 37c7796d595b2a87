"""API shapes of rehoming: a run's result, review cases and decisions."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from metrology_svc.rehoming.models import CaseStatus


class Outcome(StrEnum):
    """What a rehome run did with one site."""

    MOVED = "moved"  # its old commune went whole into one unit of the scheme in force
    CASE_OPENED = "case_opened"  # split, or on a district or province: a person decides
    CASE_OPEN = "case_already_open"  # a case from an earlier run still waits
    NO_SUCCESSION = "no_succession"  # no succession loaded for its unit: left as it is
    NAME_TAKEN = "name_taken"  # the new unit already has a site of this name: rename first


class UnitRef(SQLModel):
    """A unit named in a result: id, code, name and scheme."""

    id: int
    code: str
    name: str
    scheme: str


class SiteOutcome(SQLModel):
    """One site of a run and what happened to it."""

    site_id: int
    site_name: str
    old_unit: UnitRef
    outcome: Outcome
    to_unit: UnitRef | None = None
    case_id: int | None = None
    suggestion: str = Field(default="", description="The case's suggestion basis")


class ScopeChange(SQLModel):
    """An account's scope unit of an older scheme and the units it was migrated to."""

    user_id: int
    user_name: str
    old_unit: UnitRef
    new_units: list[UnitRef] = Field(description="Empty: no succession loaded, left as it is")


class RehomeResult(SQLModel):
    """What a rehome run did (or, in a dry run, would do); nothing is listed twice."""

    scheme: str = Field(description="The code scheme in force, the sites' destination")
    province_code: str | None
    dry_run: bool
    sites_checked: int
    moved: list[SiteOutcome]
    cases_opened: list[SiteOutcome]
    cases_already_open: list[SiteOutcome]
    no_succession: list[SiteOutcome]
    name_taken: list[SiteOutcome]
    scopes_migrated: list[ScopeChange]
    scopes_without_succession: list[ScopeChange]
    counts: dict[str, int] = Field(
        description="Per reason: moved (succession_whole), cases by suggestion basis "
        "(case_address, case_coordinates, case_default, case_none), case_already_open, "
        "no_succession, name_taken, scopes_migrated, scopes_without_succession"
    )


class RunRequest(SQLModel):
    """Run the rehoming for one province (or all) now, or see what it would do."""

    province_code: str | None = Field(default=None, min_length=1, max_length=16)
    dry_run: bool = False


class CandidatePublic(SQLModel):
    """A unit a case's site may belong to."""

    unit_id: int
    code: str
    name: str
    default: bool = Field(description="The resolution names it the main successor")


class RehomeCasePublic(SQLModel):
    """A site of a split (or district-level) old unit, waiting for, or given, a decision."""

    id: int
    site_id: int
    site_name: str
    site_address: str
    latitude: float | None
    longitude: float | None
    old_unit: UnitRef
    to_scheme: str
    candidates: list[CandidatePublic]
    suggested_unit_id: int | None
    suggestion_reason: str = Field(description="Why this suggestion (Vietnamese)")
    suggestion_reason_en: str
    status: CaseStatus
    decided_unit_id: int | None
    decided_by_user_id: int | None
    decided_at: datetime | None
    note: str
    created_at: datetime


class DecideRequest(SQLModel):
    """The unit a reviewer puts the site in: by id or by code (of the scheme in force)."""

    unit_id: int | None = Field(default=None, ge=1)
    unit_code: str | None = Field(default=None, min_length=1, max_length=24)
    note: str = Field(
        default="",
        max_length=500,
        description="Why; required when an administrator picks a unit outside the candidates",
    )
