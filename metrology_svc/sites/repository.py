"""Queries on sites."""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from metrology_svc.auth.models import User
from metrology_svc.core.pagination import PageParams
from metrology_svc.core.scope import under_any
from metrology_svc.sites.models import Site, SiteKind, SiteMove
from metrology_svc.units.models import AdminUnit


@dataclass(frozen=True)
class MoveRow:
    """One move of a site: the row, the units it left and entered, and who made it."""

    move: SiteMove
    from_unit: AdminUnit
    to_unit: AdminUnit
    by_name: str | None


class SiteRepository:
    """Reads and writes sites."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def unit_ids(self, site_ids: Collection[int]) -> dict[int, int | None]:
        """Return each site's administrative unit by site id, in one query."""
        stmt = select(Site.id, Site.unit_id).where(col(Site.id).in_(list(site_ids)))
        return {sid: unit for sid, unit in self.session.exec(stmt) if sid is not None}

    def get_with_unit(self, site_id: int) -> tuple[Site, AdminUnit] | None:
        """Return the site and its unit."""
        stmt = select(Site, AdminUnit).join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
        row = self.session.exec(stmt.where(Site.id == site_id)).first()
        return (row[0], row[1]) if row else None

    def by_unit_and_name(self, unit_id: int, name: str) -> Site | None:
        """Return the site with this name in the unit."""
        stmt = select(Site).where(Site.unit_id == unit_id, Site.name == name)
        return self.session.exec(stmt).first()

    def page(
        self,
        *,
        params: PageParams,
        kind: SiteKind | None,
        unit_path: str | None,
        paths: tuple[str, ...] | None,
    ) -> tuple[list[tuple[Site, AdminUnit]], int]:
        """Return a page of sites with their units, filtered by kind, unit and visible paths."""
        stmt = select(Site, AdminUnit).join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
        if kind is not None:
            stmt = stmt.where(Site.kind == kind)
        if unit_path is not None:
            stmt = stmt.where(under_any(col(AdminUnit.path), (unit_path,)))
        if paths is not None:
            stmt = stmt.where(under_any(col(AdminUnit.path), paths))
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = self.session.exec(
            stmt.order_by(col(Site.id)).offset(params.offset).limit(params.limit)
        ).all()
        return [(r[0], r[1]) for r in rows], total

    def add(self, site: Site) -> Site:
        """Stage a site and flush it so it gets its id."""
        self.session.add(site)
        self.session.flush()
        return site

    def add_move(self, move: SiteMove) -> SiteMove:
        """Stage a site's move and flush it so it gets its id."""
        self.session.add(move)
        self.session.flush()
        return move

    def moves(self, site_id: int) -> list[MoveRow]:
        """Return a site's moves, oldest first, with both units and the mover's name."""
        from_unit, to_unit = aliased(AdminUnit), aliased(AdminUnit)
        stmt = (
            select(SiteMove, from_unit, to_unit, User.name)
            .join(from_unit, col(from_unit.id) == SiteMove.from_unit_id)
            .join(to_unit, col(to_unit.id) == SiteMove.to_unit_id)
            .outerjoin(User, col(User.id) == SiteMove.by_user_id)
            .where(SiteMove.site_id == site_id)
            .order_by(col(SiteMove.moved_at), col(SiteMove.id))
        )
        return [MoveRow(m, f, t, n) for m, f, t, n in self.session.exec(stmt).all()]
