"""API shapes for instrument types."""

from datetime import date

from sqlmodel import SQLModel

from metrology_svc.instrument_types.models import TypeCategory


class CyclePublic(SQLModel):
    """A verification cycle, the date it applies from, and the rulebook version it comes from."""

    cycle_months: int
    effective_from: date
    status: str
    source: str
    rule_id: int | None = None
    rule: str = ""


class InstrumentTypePublic(SQLModel):
    """A type with its cycles, oldest first."""

    code: str
    name_vi: str
    name_en: str
    category: TypeCategory
    default_accuracy_class: str | None
    cycles: list[CyclePublic]
