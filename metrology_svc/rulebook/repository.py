"""Queries on rule table versions (and the instrument type codes a cycles table may name)."""

import sqlalchemy as sa
from sqlmodel import Session, col, select

from metrology_svc.rulebook.models import RuleTable

# Known only by name: the rulebook sits below instrument_types (which asks it for cycles).
_TYPES = sa.table("instrument_type", sa.column("code"))


class RuleRepository:
    """Reads and writes rule table versions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[RuleTable]:
        """Return every version, by code and load order."""
        stmt = select(RuleTable).order_by(col(RuleTable.code), col(RuleTable.id))
        return list(self.session.exec(stmt))

    def by_code(self, code: str) -> list[RuleTable]:
        """Return the versions of one table in load order."""
        stmt = select(RuleTable).where(RuleTable.code == code).order_by(col(RuleTable.id))
        return list(self.session.exec(stmt))

    def get(self, table_id: int) -> RuleTable | None:
        """Return the version with this id."""
        return self.session.get(RuleTable, table_id)

    def add(self, table: RuleTable) -> RuleTable:
        """Stage a version and flush it so it gets its id."""
        self.session.add(table)
        self.session.flush()
        return table

    def type_codes(self) -> set[str]:
        """Return the instrument type codes the registry knows."""
        codes: list[object] = list(self.session.execute(sa.select(_TYPES.c.code)).scalars())
        return {str(c) for c in codes}
