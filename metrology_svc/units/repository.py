"""Queries on administrative units, their code schemes and their succession."""

from datetime import date

from sqlmodel import Session, col, func, select

from metrology_svc.core.pagination import PageParams
from metrology_svc.core.scope import ancestors, under_any
from metrology_svc.units.models import AdminUnit, UnitLevel, UnitScheme, UnitSuccession


class UnitRepository:
    """Reads and writes administrative units."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, unit_id: int) -> AdminUnit | None:
        """Return the unit with this id."""
        return self.session.get(AdminUnit, unit_id)

    def by_code(self, code: str, scheme: str) -> AdminUnit | None:
        """Return the unit with this official code in a scheme."""
        return self.session.exec(
            select(AdminUnit).where(AdminUnit.code == code, AdminUnit.scheme == scheme)
        ).first()

    def all_by_code(self, scheme: str) -> dict[str, AdminUnit]:
        """Return every unit of a scheme keyed by code (a few thousand at most)."""
        stmt = select(AdminUnit).where(AdminUnit.scheme == scheme)
        return {u.code: u for u in self.session.exec(stmt).all()}

    def fingerprint(self) -> tuple[int, int, int]:
        """Return (count, highest id, total length of names) of all units: it changes when a
        unit is added, deleted or renamed (but for a rename to a name of the same length)."""
        row = self.session.exec(
            select(
                func.count(col(AdminUnit.id)),
                func.coalesce(func.max(col(AdminUnit.id)), 0),
                func.coalesce(func.sum(func.length(col(AdminUnit.name))), 0),
            )
        ).one()
        count, highest, lengths = row
        return int(count), int(highest or 0), int(lengths or 0)

    def schemes(self) -> list[UnitScheme]:
        """Return every code scheme, oldest first."""
        rows = self.session.exec(select(UnitScheme)).all()
        return sorted(rows, key=lambda s: s.valid_from or date.min)

    def scheme(self, key: str) -> UnitScheme | None:
        """Return one code scheme."""
        return self.session.get(UnitScheme, key)

    def page(
        self,
        *,
        params: PageParams,
        level: UnitLevel | None,
        parent_id: int | None,
        paths: tuple[str, ...] | None,
        scheme: str | None = None,
        search: str | None = None,
    ) -> tuple[list[AdminUnit], int]:
        """Return a page of units and the total, filtered by level, parent and visible paths."""
        stmt = select(AdminUnit)
        if scheme is not None:
            stmt = stmt.where(AdminUnit.scheme == scheme)
        if level is not None:
            stmt = stmt.where(AdminUnit.level == level)
        if parent_id is not None:
            stmt = stmt.where(AdminUnit.parent_id == parent_id)
        if search:
            stmt = stmt.where(col(AdminUnit.name).contains(search, autoescape=True))
        if paths is not None:
            # An inspector sees the units under their own and the ones above, to name them.
            stmt = stmt.where(
                col(AdminUnit.path).in_(ancestors(paths)) | under_any(col(AdminUnit.path), paths)
            )
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = self.session.exec(
            stmt.order_by(col(AdminUnit.scheme).desc(), col(AdminUnit.path))
            .offset(params.offset)
            .limit(params.limit)
        ).all()
        return list(rows), total

    def add(self, unit: AdminUnit) -> AdminUnit:
        """Stage a unit and flush it so it gets its id."""
        self.session.add(unit)
        self.session.flush()
        return unit

    def successions_from(self, old_unit_ids: list[int]) -> list[UnitSuccession]:
        """Return the succession rows of these old units."""
        if not old_unit_ids:
            return []
        stmt = select(UnitSuccession).where(col(UnitSuccession.old_unit_id).in_(old_unit_ids))
        return list(self.session.exec(stmt.order_by(col(UnitSuccession.id))).all())

    def successions_into(self, new_unit_ids: list[int]) -> list[UnitSuccession]:
        """Return the succession rows that lead into these new units."""
        if not new_unit_ids:
            return []
        stmt = select(UnitSuccession).where(col(UnitSuccession.new_unit_id).in_(new_unit_ids))
        return list(self.session.exec(stmt.order_by(col(UnitSuccession.id))).all())

    def succession_pair(self, old_unit_id: int, new_unit_id: int) -> UnitSuccession | None:
        """Return the row old unit → new unit, if recorded."""
        return self.session.exec(
            select(UnitSuccession).where(
                UnitSuccession.old_unit_id == old_unit_id,
                UnitSuccession.new_unit_id == new_unit_id,
            )
        ).first()

    def children(self, parent_id: int) -> list[AdminUnit]:
        """Return the units directly under one unit."""
        stmt = select(AdminUnit).where(AdminUnit.parent_id == parent_id)
        return list(self.session.exec(stmt.order_by(col(AdminUnit.code))).all())

    def by_ids(self, ids: list[int]) -> dict[int, AdminUnit]:
        """Return units by id."""
        if not ids:
            return {}
        stmt = select(AdminUnit).where(col(AdminUnit.id).in_(sorted(set(ids))))
        return {u.id or 0: u for u in self.session.exec(stmt).all()}
