"""Plan → inspection: an approved plan's target opens one inspection through the inspections
service (which checks the caller's jurisdiction over the site); a second call answers 409."""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Invalid
from metrology_svc.inspection_plans import rules, service
from metrology_svc.inspection_plans.models import PlanState
from metrology_svc.inspection_plans.repository import Placed, PlanRepository
from metrology_svc.inspection_plans.schemas import InspectionOpen
from metrology_svc.inspections.schemas import InspectionCreate
from metrology_svc.inspections.service import create_inspection


def open_inspection(
    session: Session,
    user: Principal,
    plan_id: int,
    target_id: int,
    data: InspectionOpen,
    *,
    today: date,
) -> tuple[int, Placed]:
    """Open the inspection of an approved plan's target (once); the caller commits.

    A second call for the same target is refused with 409 and names the inspection it
    already opened. The inspections service checks the caller's jurisdiction over the site.
    """
    plan = service.get_plan(session, user, plan_id)
    repo = PlanRepository(session)
    target, site, unit = service.target_of(repo, plan_id, target_id)
    if plan.state is not PlanState.APPROVED:
        raise Conflict(
            "Only an approved plan opens inspections.",
            message_vi="Chỉ kế hoạch đã được phê duyệt mới được dùng để mở cuộc kiểm tra.",
        )
    if target.inspection_id is not None:
        raise _already(target.inspection_id)
    day = data.inspected_on or today
    if not plan.period_from <= day <= plan.period_to:
        raise Invalid(
            "The inspection date lies outside the plan's period.",
            message_vi="Ngày kiểm tra nằm ngoài thời gian của kế hoạch.",
            loc=["body", "inspected_on"],
        )
    number = rules.number_line(plan.number, plan.symbol).removeprefix("Số: ")
    note = data.note or f"Theo Kế hoạch số {number}"
    inspection, _, _ = create_inspection(
        session,
        user,
        InspectionCreate(
            site_id=site.id or 0, inspector=data.inspector, inspected_on=day, note=note
        ),
        today=today,
    )
    assert inspection.id is not None
    if not repo.claim_target(target_id, inspection.id):
        session.refresh(target)
        raise _already(target.inspection_id or 0)
    session.refresh(target)
    audit(
        session,
        actor=user,
        action="inspection_plan.open_inspection",
        entity="inspection_plan",
        entity_id=plan_id,
        detail={"target_id": target_id, "inspection_id": inspection.id, "site_id": site.id},
    )
    return inspection.id, (target, site, unit)


def _already(inspection_id: int) -> Conflict:
    return Conflict(
        f"This target already has inspection {inspection_id}.",
        message_vi=f"Đối tượng này đã có cuộc kiểm tra {inspection_id}.",
        details=[{"inspection_id": inspection_id}],
    )
