"""Instrument types (group-2 measuring instruments) and their versioned verification cycles."""

from datetime import date
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from metrology_svc.core.columns import EnumText


class TypeCategory(StrEnum):
    """Broad category that decides which fields and MPE rules apply."""

    SCALE = "scale"
    DISPENSER = "dispenser"
    VEHICLE = "vehicle"
    METER = "meter"


class InstrumentType(SQLModel, table=True):
    """A type of instrument, e.g. spring dial scale or fuel dispenser."""

    __tablename__ = "instrument_type"

    code: str = Field(primary_key=True, max_length=64)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    category: TypeCategory = Field(sa_type=EnumText(TypeCategory, 16))
    default_accuracy_class: str | None = Field(default=None, max_length=8)


class TypeCycle(SQLModel, table=True):
    """A verification cycle for a type, in force from `effective_from` until the next row."""

    __tablename__ = "type_cycle"
    __table_args__ = (UniqueConstraint("type_code", "effective_from", name="uq_cycle_type_from"),)

    id: int | None = Field(default=None, primary_key=True)
    type_code: str = Field(foreign_key="instrument_type.code", index=True, max_length=64)
    cycle_months: int = Field(gt=0)
    effective_from: date
    status: str = Field(default="sourced", max_length=16)
    source: str = Field(default="", max_length=400)
