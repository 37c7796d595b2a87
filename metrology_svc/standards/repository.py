"""Queries on reference standards."""

from sqlmodel import Session, col, select

from metrology_svc.standards.models import ReferenceStandard


class StandardRepository:
    """Reads and writes reference standards."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_codes(self, codes: list[str]) -> list[ReferenceStandard]:
        """Return the standards with these codes (unknown codes are simply absent)."""
        if not codes:
            return []
        stmt = select(ReferenceStandard).where(col(ReferenceStandard.code).in_(codes))
        return list(self.session.exec(stmt))

    def all(self) -> list[ReferenceStandard]:
        """Return every standard by code."""
        return list(
            self.session.exec(select(ReferenceStandard).order_by(col(ReferenceStandard.code)))
        )

    def add(self, standard: ReferenceStandard) -> ReferenceStandard:
        """Stage a standard and flush it so it gets its id."""
        self.session.add(standard)
        self.session.flush()
        return standard
