"""Queries on inspection plans, the units they cover and their targets."""

from collections.abc import Collection
from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from metrology_svc.core.scope import ancestors, under_any
from metrology_svc.inspection_plans.models import (
    InspectionPlan,
    InspectionPlanTarget,
    InspectionPlanUnit,
    PlanState,
)
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit

Placed = tuple[InspectionPlanTarget, Site, AdminUnit]


class PlanRepository:
    """Reads and writes inspection plans."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, plan: InspectionPlan) -> InspectionPlan:
        """Stage a plan and flush it so it gets its id."""
        self.session.add(plan)
        self.session.flush()
        return plan

    def get(self, plan_id: int) -> InspectionPlan | None:
        """Return the plan with this id."""
        return self.session.get(InspectionPlan, plan_id)

    def units(self, plan_id: int) -> list[AdminUnit]:
        """Return the units a plan covers, by path."""
        stmt = (
            select(AdminUnit)
            .join(InspectionPlanUnit, col(InspectionPlanUnit.unit_id) == AdminUnit.id)
            .where(InspectionPlanUnit.plan_id == plan_id)
            .order_by(col(AdminUnit.path))
        )
        return list(self.session.exec(stmt).all())

    def set_units(self, plan_id: int, unit_ids: Collection[int]) -> None:
        """Replace the units a plan covers."""
        for row in self.session.exec(
            select(InspectionPlanUnit).where(InspectionPlanUnit.plan_id == plan_id)
        ).all():
            self.session.delete(row)
        self.session.flush()
        self.session.add_all(InspectionPlanUnit(plan_id=plan_id, unit_id=u) for u in unit_ids)
        self.session.flush()

    def targets(self, plan_id: int) -> list[Placed]:
        """Return a plan's targets with their sites and units, by window, unit and site."""
        stmt = (
            select(InspectionPlanTarget, Site, AdminUnit)
            .join(Site, col(Site.id) == InspectionPlanTarget.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(InspectionPlanTarget.plan_id == plan_id)
            .order_by(
                col(InspectionPlanTarget.window_from),
                col(AdminUnit.path),
                col(Site.name),
                col(InspectionPlanTarget.id),
            )
        )
        return [(r[0], r[1], r[2]) for r in self.session.exec(stmt).all()]

    def target(self, plan_id: int, target_id: int) -> Placed | None:
        """Return one target of a plan with its site and unit."""
        stmt = (
            select(InspectionPlanTarget, Site, AdminUnit)
            .join(Site, col(Site.id) == InspectionPlanTarget.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(InspectionPlanTarget.plan_id == plan_id, InspectionPlanTarget.id == target_id)
        )
        row = self.session.exec(stmt).first()
        return None if row is None else (row[0], row[1], row[2])

    def add_target(self, target: InspectionPlanTarget) -> InspectionPlanTarget:
        """Stage a target and flush it so it gets its id."""
        self.session.add(target)
        self.session.flush()
        return target

    def delete_target(self, target: InspectionPlanTarget) -> None:
        """Delete a draft plan's target."""
        self.session.delete(target)
        self.session.flush()

    def windows(self, plan_id: int) -> set[tuple[int, date]]:
        """Return the (site, window start) pairs a plan already holds."""
        stmt = select(InspectionPlanTarget).where(InspectionPlanTarget.plan_id == plan_id)
        return {(t.site_id, t.window_from) for t in self.session.exec(stmt).all()}

    def sites_with_units(self, site_ids: Collection[int]) -> dict[int, tuple[Site, AdminUnit]]:
        """Return sites with their units by site id, in one query."""
        if not site_ids:
            return {}
        stmt = (
            select(Site, AdminUnit)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(col(Site.id).in_(sorted(set(site_ids))))
        )
        return {s.id or 0: (s, u) for s, u in self.session.exec(stmt).all()}

    def claim_target(self, target_id: int, inspection_id: int) -> bool:
        """Record the inspection on a target that has none; False if another got there first.

        One conditional update: on PostgreSQL a concurrent claim waits for this transaction
        and then finds the column set, so a target never opens two inspections.
        """
        stmt = (
            update(InspectionPlanTarget)
            .where(
                col(InspectionPlanTarget.id) == target_id,
                col(InspectionPlanTarget.inspection_id).is_(None),
            )
            .values(inspection_id=inspection_id)
            .execution_options(synchronize_session=False)
        )
        claimed = int(self.session.execute(stmt).rowcount) == 1  # type: ignore[attr-defined]
        self.session.flush()
        return claimed

    def progress(self, plan_ids: Collection[int]) -> dict[int, tuple[int, int]]:
        """Return each plan's (targets, targets with an inspection)."""
        if not plan_ids:
            return {}
        t = InspectionPlanTarget
        stmt = (
            select(t.plan_id, func.count(), func.count(col(t.inspection_id)))
            .where(col(t.plan_id).in_(list(plan_ids)))
            .group_by(col(t.plan_id))
        )
        return {p: (int(n), int(d)) for p, n, d in self.session.exec(stmt).all()}

    def page(
        self,
        *,
        visible_paths: tuple[str, ...] | None,
        year: int | None,
        state: PlanState | None,
        limit: int,
        offset: int,
    ) -> tuple[list[InspectionPlan], int]:
        """Return a page of plans (newest year first) and the total.

        An inspector sees a plan whose units hold one of theirs or lie under one of theirs.
        """
        stmt = select(InspectionPlan)
        if visible_paths is not None:
            covered = (
                select(InspectionPlanUnit.plan_id)
                .join(AdminUnit, col(AdminUnit.id) == InspectionPlanUnit.unit_id)
                .where(
                    under_any(col(AdminUnit.path), visible_paths)
                    | col(AdminUnit.path).in_(ancestors(visible_paths))
                )
            )
            stmt = stmt.where(col(InspectionPlan.id).in_(covered))
        if year is not None:
            stmt = stmt.where(InspectionPlan.year == year)
        if state is not None:
            stmt = stmt.where(InspectionPlan.state == state)
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = self.session.exec(
            stmt.order_by(col(InspectionPlan.year).desc(), col(InspectionPlan.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return list(rows), total
