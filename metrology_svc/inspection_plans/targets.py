"""Planned targets of a draft plan: add them (all or none, each in scope), remove one."""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid
from metrology_svc.inspection_plans import rules, service
from metrology_svc.inspection_plans.models import InspectionPlan, InspectionPlanTarget
from metrology_svc.inspection_plans.repository import PlanRepository
from metrology_svc.inspection_plans.schemas import TargetCreate


def _window(plan: InspectionPlan, item: TargetCreate) -> tuple[date, date]:
    if item.month is not None:
        return rules.month_window(plan.period_from.year, item.month)
    assert item.window_from is not None
    assert item.window_to is not None
    return item.window_from, item.window_to


def add_targets(
    session: Session, user: Principal, plan_id: int, items: list[TargetCreate]
) -> list[InspectionPlanTarget]:
    """Add targets to a draft plan, all or none, each in scope; the caller commits."""
    plan = service.draft_of(session, user, plan_id)
    repo = PlanRepository(session)
    paths = [u.path for u in repo.units(plan_id)]
    sites = repo.sites_with_units([i.site_id for i in items])
    taken = repo.windows(plan_id)
    added = []
    for i, item in enumerate(items):
        loc: list[str | int] = ["body", "targets", i]
        found = sites.get(item.site_id)
        if found is None or found[0].retired_at is not None:
            raise Invalid(
                f"No site {item.site_id} in use.",
                message_vi=f"Không có địa điểm {item.site_id} đang hoạt động.",
                loc=[*loc, "site_id"],
            )
        first, last = _window(plan, item)
        if last < first:
            raise Invalid(
                "The window ends before it begins.",
                message_vi="Thời gian kiểm tra kết thúc trước khi bắt đầu.",
                loc=[*loc, "window_to"],
            )
        target = InspectionPlanTarget(
            plan_id=plan_id, site_id=item.site_id, window_from=first, window_to=last, note=item.note
        )
        service.check_target(plan, paths, (target, *found), loc=loc)
        if (item.site_id, first) in taken:
            raise Invalid(
                f"Site {found[0].name!r} is already planned from {first:%d/%m/%Y}.",
                message_vi=f"Địa điểm {found[0].name!r} đã có trong kế hoạch từ ngày "
                f"{first:%d/%m/%Y}.",
                loc=loc,
            )
        taken.add((item.site_id, first))
        added.append(repo.add_target(target))
    audit_many(session, actor=user, entries=[_entry("add", t) for t in added])
    return added


def _entry(what: str, target: InspectionPlanTarget) -> Entry:
    detail = target.model_dump(include={"plan_id", "site_id", "window_from", "window_to", "note"})
    return Entry(f"inspection_plan.target_{what}", "inspection_plan_target", target.id, detail)


def remove_target(session: Session, user: Principal, plan_id: int, target_id: int) -> None:
    """Remove a target from a draft plan; the caller commits."""
    service.draft_of(session, user, plan_id)
    repo = PlanRepository(session)
    target = service.target_of(repo, plan_id, target_id)[0]
    entry = _entry("remove", target)  # read before the row goes
    repo.delete_target(target)
    audit_many(session, actor=user, entries=[entry])
