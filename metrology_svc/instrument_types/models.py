"""Instrument types (group-2 measuring instruments); their cycles live in the rulebook."""

from enum import StrEnum

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
