"""Administrative units under code schemes: provinces, communes and (historically) districts.

A code scheme is one edition of the national list (the list of 2004 with its districts; the
two-tier list in force from 01/07/2025; later editions). Codes are unique within a scheme, not
across: since 01/07/2025 many communes reuse the code of an old commune they absorbed, so
"18073" names Phường Nam Hà in the 2004 scheme and Phường Thành Sen in the 2025 one. A unit is
never renumbered or renamed in place: a new edition adds new units, and `UnitSuccession` says
which old unit went, whole or in part, into which new one.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText
from metrology_svc.core.text import Code, Name


class UnitLevel(StrEnum):
    """Level of an administrative unit; a district exists only in a three-tier scheme."""

    PROVINCE = "province"
    DISTRICT = "district"  # huyện, quận, thị xã, thành phố thuộc tỉnh: history only since 2025
    COMMUNE = "commune"  # xã, phường, thị trấn (until 2025), đặc khu (from 2025)


class UnitScheme(SQLModel, table=True):
    """One edition of the national list of administrative units and its period of validity."""

    __tablename__ = "unit_scheme"

    key: str = Field(primary_key=True, max_length=16)
    name_vi: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    # Legal basis of the codes, e.g. "QĐ 19/2025/QĐ-TTg".
    basis: str = Field(max_length=300)
    valid_from: date | None = None
    valid_to: date | None = None  # exclusive: the first day the next edition is in force
    tiers: int = Field(description="3: province/district/commune; 2: province/commune")
    # Where the rows came from (package and data version), when loaded from a package.
    data_source: str = Field(default="", max_length=300)


class AdminUnitBase(SQLModel):
    """Fields a client gives for an administrative unit."""

    code: Code = Field(
        min_length=1, max_length=16, description="Official code (mã đơn vị hành chính)"
    )
    name: Name = Field(min_length=1, max_length=200)
    level: UnitLevel


class AdminUnit(AdminUnitBase, table=True):
    """An administrative unit; `path` holds the codes from the province down, for scope checks.

    Paths never collide between schemes below the province: a 2004 commune sits at
    "42/436/18073/" (province/district/commune), a 2025 commune at "42/18073/"; district codes
    have three digits and commune codes five. A province keeps its path "42/" in every scheme,
    so a provincial scope covers the history of the province of the same code.
    """

    __tablename__ = "admin_unit"
    __table_args__ = (UniqueConstraint("scheme", "code", name="uq_admin_unit_scheme_code"),)

    id: int | None = Field(default=None, primary_key=True)
    scheme: str = Field(foreign_key="unit_scheme.key", max_length=16, index=True)
    code: str = Field(max_length=16, index=True)
    parent_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    level: UnitLevel = Field(sa_type=EnumText(UnitLevel, 16))
    # "xã", "phường", "đặc khu", "thị trấn", "huyện", "tỉnh", "thành phố trung ương" ...
    division_type: str = Field(default="", max_length=40)
    path: str = Field(max_length=200, index=True)
    valid_from: date | None = None
    valid_to: date | None = None  # exclusive


class SuccessionShare(StrEnum):
    """Whether an old unit went into the new one whole or only in part (split)."""

    WHOLE = "whole"  # toàn bộ
    PART = "part"  # một phần


class UnitSuccession(SQLModel, table=True):
    """Old unit → new unit under a resolution: "Phường Nam Hà went whole into Phường Thành Sen"."""

    __tablename__ = "unit_succession"
    __table_args__ = (
        UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_succession_pair"),
    )

    id: int | None = Field(default=None, primary_key=True)
    old_unit_id: int = Field(foreign_key="admin_unit.id", index=True)
    new_unit_id: int = Field(foreign_key="admin_unit.id", index=True)
    share: SuccessionShare = Field(sa_type=EnumText(SuccessionShare, 8))
    # Of a split unit's successors, the one most of it went to (the suggestion when unsure).
    is_default: bool = False
    resolution: str = Field(default="", max_length=100)  # e.g. "1665/NQ-UBTVQH15"
    resolution_date: date | None = None
    effective_on: date
    source: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
