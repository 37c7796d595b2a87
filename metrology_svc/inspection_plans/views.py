"""API shapes of plans and targets, built from the stored rows."""

from sqlmodel import Session

from metrology_svc.inspection_plans import rules
from metrology_svc.inspection_plans.document import PlanPrint, render_plan
from metrology_svc.inspection_plans.models import InspectionPlan, PlanState
from metrology_svc.inspection_plans.repository import Placed, PlanRepository
from metrology_svc.inspection_plans.schemas import PlanDetail, PlanPublic, TargetPublic, UnitRef
from metrology_svc.inspection_plans.service import issuing_body
from metrology_svc.settings import Settings
from metrology_svc.units.repository import UnitRepository


def target_public(placed: Placed) -> TargetPublic:
    """Return the API shape of a target."""
    target, site, unit = placed
    return TargetPublic(
        id=target.id or 0,
        site_id=site.id or 0,
        site_name=site.name,
        site_kind=site.kind,
        unit_code=unit.code,
        unit_name=unit.name,
        window_from=target.window_from,
        window_to=target.window_to,
        note=target.note,
        inspection_id=target.inspection_id,
        done=target.inspection_id is not None,
    )


def plan_public(
    session: Session, plan: InspectionPlan, *, settings: Settings, progress: tuple[int, int]
) -> PlanPublic:
    """Return the API shape of a plan with its units and progress."""
    plan_id = plan.id or 0
    issuer = UnitRepository(session).get(plan.issuer_unit_id)
    assert issuer is not None
    approved = plan.state is PlanState.APPROVED
    return PlanPublic.model_validate(
        {
            **plan.model_dump(),
            "id": plan_id,
            "issuer_unit_code": issuer.code,
            "issuer_name": issuing_body(session, plan, settings=settings).name,
            "units": [
                UnitRef(code=u.code, name=u.name, level=str(u.level))
                for u in PlanRepository(session).units(plan_id)
            ],
            "number_text": rules.number_line(plan.number, plan.symbol) if approved else None,
            "targets_total": progress[0],
            "targets_done": progress[1],
        }
    )


def plan_detail(session: Session, plan: InspectionPlan, *, settings: Settings) -> PlanDetail:
    """Return a plan with every target."""
    targets = [target_public(t) for t in PlanRepository(session).targets(plan.id or 0)]
    done = sum(t.done for t in targets)
    public = plan_public(session, plan, settings=settings, progress=(len(targets), done))
    return PlanDetail.model_validate({**public.model_dump(), "targets": targets})


def printed_plan(session: Session, plan: InspectionPlan, *, settings: Settings) -> bytes:
    """Return the plan printed as an official document (PDF)."""
    detail = plan_detail(session, plan, settings=settings)
    return render_plan(
        PlanPrint(
            plan=plan,
            issuer=issuing_body(session, plan, settings=settings),
            units=detail.units,
            targets=detail.targets,
            archive=settings.document_archive,
        )
    )


def pdf_name(plan: InspectionPlan) -> str:
    """Return the PDF's file name: "KH-05-2027.pdf", or "KH-du-thao-<id>.pdf" for a draft."""
    if plan.number is None or plan.approved_on is None:
        return f"KH-du-thao-{plan.id}.pdf"
    return f"KH-{plan.number:02d}-{plan.approved_on.year}.pdf"
