"""Queries on inspections and their findings."""

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from metrology_svc.core.scope import under_any
from metrology_svc.inspections.models import (
    Inspection,
    InspectionDecision,
    InspectionFinding,
    InspectionMeasure,
    InspectionMember,
)
from metrology_svc.instruments.models import Instrument
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit


class InspectionRepository:
    """Reads and writes inspections and findings."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_with_place(self, inspection_id: int) -> tuple[Inspection, Site, AdminUnit] | None:
        """Return an inspection with its site and the site's unit."""
        stmt = (
            select(Inspection, Site, AdminUnit)
            .join(Site, col(Site.id) == Inspection.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(Inspection.id == inspection_id)
        )
        row = self.session.exec(stmt).first()
        return None if row is None else (row[0], row[1], row[2])

    def page(
        self,
        *,
        visible_paths: tuple[str, ...] | None,
        unit_path: str | None,
        site_id: int | None,
        first: date | None,
        last: date | None,
        open_only: bool,
        limit: int,
        offset: int,
    ) -> tuple[list[tuple[Inspection, Site, AdminUnit]], int]:
        """Return a page of inspections (newest first) with site and unit, and the total."""
        stmt = (
            select(Inspection, Site, AdminUnit)
            .join(Site, col(Site.id) == Inspection.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
        )
        if visible_paths is not None:
            stmt = stmt.where(under_any(AdminUnit.path, visible_paths))
        if unit_path is not None:
            stmt = stmt.where(under_any(AdminUnit.path, (unit_path,)))
        if site_id is not None:
            stmt = stmt.where(Inspection.site_id == site_id)
        if first is not None:
            stmt = stmt.where(col(Inspection.inspected_on) >= first)
        if last is not None:
            stmt = stmt.where(col(Inspection.inspected_on) <= last)
        if open_only:
            stmt = stmt.where(col(Inspection.closed_at).is_(None))
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        ordered = stmt.order_by(col(Inspection.inspected_on).desc(), col(Inspection.id).desc())
        rows = self.session.exec(ordered.limit(limit).offset(offset)).all()
        return [(r[0], r[1], r[2]) for r in rows], int(total)

    def kind_counts(self, inspection_ids: list[int]) -> dict[int, dict[str, int]]:
        """Return, per inspection, its findings counted by kind (one grouped query)."""
        if not inspection_ids:
            return {}
        stmt = (
            select(InspectionFinding.inspection_id, InspectionFinding.kind, func.count())
            .where(col(InspectionFinding.inspection_id).in_(inspection_ids))
            .group_by(col(InspectionFinding.inspection_id), col(InspectionFinding.kind))
        )
        out: dict[int, dict[str, int]] = {i: {} for i in inspection_ids}
        for inspection_id, kind, count in self.session.exec(stmt):
            out[inspection_id][str(kind)] = int(count)
        return out

    def findings(self, inspection_id: int) -> list[InspectionFinding]:
        """Return an inspection's findings in the order they were stored."""
        stmt = (
            select(InspectionFinding)
            .where(InspectionFinding.inspection_id == inspection_id)
            .order_by(col(InspectionFinding.id))
        )
        return list(self.session.exec(stmt))

    def stored_uuids(self, uuids: list[str]) -> dict[str, tuple[int, int]]:
        """Return the given UUIDs already stored: uuid → (finding id, inspection id)."""
        if not uuids:
            return {}
        stmt = select(
            InspectionFinding.client_uuid, InspectionFinding.id, InspectionFinding.inspection_id
        ).where(col(InspectionFinding.client_uuid).in_(uuids))
        return {u: (int(i or 0), int(n)) for u, i, n in self.session.exec(stmt)}

    def decision(self, inspection_id: int) -> InspectionDecision | None:
        """Return the decision an inspection runs under, if one is recorded."""
        stmt = select(InspectionDecision).where(InspectionDecision.inspection_id == inspection_id)
        return self.session.exec(stmt).first()

    def team(self, inspection_id: int) -> list[InspectionMember]:
        """Return the team in the decision's order."""
        stmt = (
            select(InspectionMember)
            .where(InspectionMember.inspection_id == inspection_id)
            .order_by(col(InspectionMember.position_no))
        )
        return list(self.session.exec(stmt))

    def replace_team(self, inspection_id: int, members: list[InspectionMember]) -> None:
        """Put a new team in place of the one stored."""
        for old in self.team(inspection_id):
            self.session.delete(old)
        self.session.flush()
        self.session.add_all(members)
        self.session.flush()

    def measures(self, inspection_id: int) -> list[InspectionMeasure]:
        """Return an inspection's measures in the order they were taken."""
        stmt = (
            select(InspectionMeasure)
            .where(InspectionMeasure.inspection_id == inspection_id)
            .order_by(col(InspectionMeasure.id))
        )
        return list(self.session.exec(stmt))

    def measure_by_uuid(self, uuid: str) -> InspectionMeasure | None:
        """Return the measure a phone sent with this UUID, if stored."""
        stmt = select(InspectionMeasure).where(InspectionMeasure.client_uuid == uuid)
        return self.session.exec(stmt).first()

    def owner_uses_site(self, owner_id: int, site_id: int) -> bool:
        """Tell whether an owner has an instrument at the site."""
        stmt = select(Instrument.id).where(
            Instrument.owner_id == owner_id, Instrument.site_id == site_id
        )
        return self.session.exec(stmt.limit(1)).first() is not None

    def instruments(self, ids: list[int]) -> dict[int, Instrument]:
        """Return the instruments with these ids."""
        if not ids:
            return {}
        stmt = select(Instrument).where(col(Instrument.id).in_(ids))
        return {i.id or 0: i for i in self.session.exec(stmt)}

    def add(self, obj: Any) -> None:
        """Stage a row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()
