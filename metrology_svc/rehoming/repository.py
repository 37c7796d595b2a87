"""Queries of rehoming: sites still in units of an older scheme, and review cases."""

from sqlmodel import Session, col, select

from metrology_svc.core.scope import under_any
from metrology_svc.rehoming.models import CaseStatus, RehomeCase
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit

# A case with the site it is about and the unit the site was in.
CaseRow = tuple[RehomeCase, Site, AdminUnit]


class RehomeRepository:
    """Reads and writes review cases and finds the sites to rehome."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def sites_in_schemes(
        self, schemes: list[str], provinces: tuple[str, ...] | None
    ) -> list[tuple[Site, AdminUnit]]:
        """Return the sites in use whose unit belongs to one of these schemes (and provinces)."""
        if not schemes:
            return []
        stmt = (
            select(Site, AdminUnit)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(col(AdminUnit.scheme).in_(schemes), col(Site.retired_at).is_(None))
        )
        if provinces is not None:
            stmt = stmt.where(under_any(col(AdminUnit.path), tuple(f"{p}/" for p in provinces)))
        return [(s, u) for s, u in self.session.exec(stmt.order_by(col(Site.id))).all()]

    def cases_of_scheme(self, scheme: str) -> dict[tuple[int, int], RehomeCase]:
        """Return every case towards a scheme, keyed by (site id, old unit id)."""
        stmt = select(RehomeCase).where(RehomeCase.to_scheme == scheme)
        return {(c.site_id, c.old_unit_id): c for c in self.session.exec(stmt).all()}

    def get(self, case_id: int) -> CaseRow | None:
        """Return a case with its site and the site's old unit."""
        stmt = (
            select(RehomeCase, Site, AdminUnit)
            .join(Site, col(Site.id) == RehomeCase.site_id)
            .join(AdminUnit, col(AdminUnit.id) == RehomeCase.old_unit_id)
            .where(RehomeCase.id == case_id)
        )
        row = self.session.exec(stmt).first()
        return (row[0], row[1], row[2]) if row else None

    def cases(self, status: CaseStatus | None) -> list[CaseRow]:
        """Return the cases (optionally of one status), oldest first, with site and old unit."""
        stmt = (
            select(RehomeCase, Site, AdminUnit)
            .join(Site, col(Site.id) == RehomeCase.site_id)
            .join(AdminUnit, col(AdminUnit.id) == RehomeCase.old_unit_id)
        )
        if status is not None:
            stmt = stmt.where(RehomeCase.status == status)
        rows = self.session.exec(stmt.order_by(col(RehomeCase.id))).all()
        return [(c, s, u) for c, s, u in rows]

    def add(self, case: RehomeCase) -> RehomeCase:
        """Stage a case and flush it so it gets its id."""
        self.session.add(case)
        self.session.flush()
        return case
