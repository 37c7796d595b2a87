"""Administrative units: province, district, commune, with official codes."""

from enum import StrEnum

from sqlmodel import Field, SQLModel

from metrology_svc.core.columns import EnumText


class UnitLevel(StrEnum):
    """Level of an administrative unit."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class AdminUnitBase(SQLModel):
    """Fields a client gives for an administrative unit."""

    code: str = Field(
        min_length=1, max_length=16, description="Official code (mã đơn vị hành chính)"
    )
    name: str = Field(min_length=1, max_length=200)
    level: UnitLevel


class AdminUnit(AdminUnitBase, table=True):
    """An administrative unit; `path` holds the codes from the province down, for scope checks."""

    __tablename__ = "admin_unit"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    parent_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    level: UnitLevel = Field(sa_type=EnumText(UnitLevel, 16))
    path: str = Field(max_length=200, index=True)
