"""Queries on instrument types and their cycles."""

from sqlmodel import Session, col, select

from metrology_svc.instrument_types.models import InstrumentType, TypeCycle
from metrology_svc.verifications.rules import CycleRow


class TypeRepository:
    """Reads and writes instrument types and cycles."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> InstrumentType | None:
        """Return the type with this code."""
        return self.session.get(InstrumentType, code)

    def all(self) -> list[InstrumentType]:
        """Return every type, by code."""
        return list(self.session.exec(select(InstrumentType).order_by(col(InstrumentType.code))))

    def cycles(self, code: str) -> list[TypeCycle]:
        """Return the type's cycle rows, oldest first."""
        stmt = select(TypeCycle).where(TypeCycle.type_code == code)
        return list(self.session.exec(stmt.order_by(col(TypeCycle.effective_from))))

    def cycle_rows(self, code: str) -> list[CycleRow]:
        """Return the type's cycles as rule inputs."""
        return [CycleRow(c.cycle_months, c.effective_from) for c in self.cycles(code)]

    def add(self, obj: InstrumentType | TypeCycle) -> None:
        """Stage a row."""
        self.session.add(obj)
