"""Queries on administrative units."""

from sqlmodel import Session, col, func, select

from metrology_svc.core.pagination import PageParams
from metrology_svc.core.scope import ancestors, under_any
from metrology_svc.units.models import AdminUnit, UnitLevel


class UnitRepository:
    """Reads and writes administrative units."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, unit_id: int) -> AdminUnit | None:
        """Return the unit with this id."""
        return self.session.get(AdminUnit, unit_id)

    def by_code(self, code: str) -> AdminUnit | None:
        """Return the unit with this official code."""
        return self.session.exec(select(AdminUnit).where(AdminUnit.code == code)).first()

    def all_by_code(self) -> dict[str, AdminUnit]:
        """Return every unit keyed by code (units number in the thousands at most)."""
        return {u.code: u for u in self.session.exec(select(AdminUnit)).all()}

    def page(
        self,
        *,
        params: PageParams,
        level: UnitLevel | None,
        parent_id: int | None,
        paths: tuple[str, ...] | None,
    ) -> tuple[list[AdminUnit], int]:
        """Return a page of units and the total, filtered by level, parent and visible paths."""
        stmt = select(AdminUnit)
        if level is not None:
            stmt = stmt.where(AdminUnit.level == level)
        if parent_id is not None:
            stmt = stmt.where(AdminUnit.parent_id == parent_id)
        if paths is not None:
            # An inspector sees the units under their own and the ones above, to name them.
            stmt = stmt.where(
                col(AdminUnit.path).in_(ancestors(paths)) | under_any(col(AdminUnit.path), paths)
            )
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = self.session.exec(
            stmt.order_by(col(AdminUnit.path)).offset(params.offset).limit(params.limit)
        ).all()
        return list(rows), total

    def add(self, unit: AdminUnit) -> AdminUnit:
        """Stage a unit and flush it so it gets its id."""
        self.session.add(unit)
        self.session.flush()
        return unit
