"""Queries on instrument types (their cycles are answered by the rulebook)."""

from sqlmodel import Session, col, select

from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.rulebook.rules import CycleRow
from metrology_svc.rulebook.service import load_rulebook


class TypeRepository:
    """Reads and writes instrument types."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> InstrumentType | None:
        """Return the type with this code."""
        return self.session.get(InstrumentType, code)

    def all(self) -> list[InstrumentType]:
        """Return every type, by code."""
        return list(self.session.exec(select(InstrumentType).order_by(col(InstrumentType.code))))

    def cycle_rows(self, code: str) -> list[CycleRow]:
        """Return the type's cycle in each version of the rulebook's cycles table."""
        return load_rulebook(self.session).cycle_rows(code)

    def add(self, obj: InstrumentType) -> None:
        """Stage a row."""
        self.session.add(obj)
