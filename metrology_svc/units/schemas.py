"""API shapes for administrative units."""

from datetime import date

from sqlmodel import Field, SQLModel

from metrology_svc.core.text import Code, Line
from metrology_svc.units.models import AdminUnitBase


class AdminUnitCreate(AdminUnitBase):
    """A new unit; a commune names its province (2025 scheme) or district (2004) by code."""

    parent_code: Code | None = Field(default=None, max_length=16)
    scheme: Code | None = Field(
        default=None,
        max_length=16,
        description="Code scheme (2004, 2025 ...); default: the one in force today",
    )
    division_type: Line = Field(default="", max_length=40)


class AdminUnitPublic(AdminUnitBase):
    """A unit as the API returns it (as stored: the create rules are not checked again)."""

    code: str
    name: str
    id: int
    scheme: str
    parent_id: int | None
    path: str
    division_type: str
    valid_from: date | None
    valid_to: date | None


class UnitSchemePublic(SQLModel):
    """A code scheme as the API returns it."""

    key: str
    name_vi: str
    name_en: str
    basis: str
    valid_from: date | None
    valid_to: date | None
    tiers: int
    data_source: str


class LoadResult(SQLModel):
    """What loading a national list changed."""

    scheme: str
    added: int
    renamed: int
    unchanged: int
    source: str
    # Units kept as stored although the list spells them otherwise ("18073: stored ≠ listed").
    differing: list[str] = Field(default_factory=list)


class SuccessionImport(SQLModel):
    """What importing succession rows changed."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    units_created: int = Field(default=0, description="Old (2004) units the rows named, created")
    differing: list[str] = Field(default_factory=list, description="Old units stored otherwise")
    source: str = ""
