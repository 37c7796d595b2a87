"""Inspection plan rules with a database: draft, scope, reading, the issuer, approval.

Only administrators create, change and approve plans; staff read a plan whose units meet
theirs. Approval numbers the plan from the document register (type KH) and freezes it.
Targets are added in targets.py; an approved plan opens inspections in opening.py.
"""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Forbidden, Invalid, NotFound
from metrology_svc.core.issuer import IssuingBody, commune_body, place_of, province_body
from metrology_svc.documents.service import number_for
from metrology_svc.inspection_plans import rules
from metrology_svc.inspection_plans.models import InspectionPlan, PlanState
from metrology_svc.inspection_plans.repository import Placed, PlanRepository
from metrology_svc.inspection_plans.schemas import PlanApprove, PlanCreate, PlanUpdate
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.service import unit_by_code


def _made_by(user: Principal) -> int | None:
    # Principal id 0 is the command line's system principal: no account to point at.
    return user.user_id if user.user_id > 0 else None


def _period(year: int, first: date | None, last: date | None) -> tuple[date, date]:
    whole = rules.year_period(year)
    period = (first or whole[0], last or whole[1])
    problem = rules.period_problem(*period)
    if problem is None and period[0].year != year:
        problem = (
            f"The period must begin in {year}.",
            f"Thời gian của kế hoạch phải bắt đầu trong năm {year}.",
        )
    if problem is not None:
        raise Invalid(problem[0], message_vi=problem[1], loc=["body", "period_to"])
    return period


def _scope(session: Session, issuer: AdminUnit, codes: list[str]) -> list[AdminUnit]:
    """Return the units named, each a province or commune inside the issuer's own area."""
    found: dict[int, AdminUnit] = {}
    for i, code in enumerate(codes):
        unit = unit_by_code(session, code.strip(), issuer.scheme, loc=["body", "unit_codes", i])
        if unit.level == UnitLevel.DISTRICT or not unit.path.startswith(issuer.path):
            raise Invalid(
                f"Unit {code} lies outside the area of the issuing unit {issuer.code}.",
                message_vi=f"Đơn vị {code} nằm ngoài địa bàn của đơn vị ban hành {issuer.code}.",
                loc=["body", "unit_codes", i],
            )
        found[unit.id or 0] = unit
    return list(found.values())


def _issuer_unit(session: Session, code: str) -> AdminUnit:
    unit = unit_by_code(session, code.strip(), loc=["body", "issuer_unit_code"])
    if unit.level == UnitLevel.DISTRICT:
        raise Invalid(
            "A plan is issued by a province or a commune (districts ended on 01/07/2025).",
            message_vi="Kế hoạch do cấp tỉnh hoặc cấp xã ban hành (cấp huyện đã kết thúc "
            "hoạt động từ ngày 01/07/2025).",
            loc=["body", "issuer_unit_code"],
        )
    return unit


def create_plan(session: Session, user: Principal, data: PlanCreate) -> InspectionPlan:
    """Create a draft plan with its scope; the caller commits."""
    user.require_admin()
    first, last = _period(data.year, data.period_from, data.period_to)
    issuer = _issuer_unit(session, data.issuer_unit_code)
    units = _scope(session, issuer, data.unit_codes)
    plan = InspectionPlan(
        year=data.year,
        period_from=first,
        period_to=last,
        issuer_unit_id=issuer.id or 0,
        subject=data.subject.strip() or rules.default_subject(first, last),
        purpose=data.purpose,
        content=data.content,
        resources=data.resources,
        site_kinds=sorted({str(k) for k in data.site_kinds}),
        created_by_user_id=_made_by(user),
    )
    repo = PlanRepository(session)
    repo.add(plan)
    repo.set_units(plan.id or 0, [u.id or 0 for u in units])
    detail = {**data.model_dump(), "period_from": first, "period_to": last, "state": plan.state}
    audit(
        session,
        actor=user,
        action="inspection_plan.create",
        entity="inspection_plan",
        entity_id=plan.id,
        detail=detail,
    )
    return plan


def get_plan(session: Session, user: Principal, plan_id: int) -> InspectionPlan:
    """Return a plan the user may read: staff whose units meet the plan's."""
    plan = PlanRepository(session).get(plan_id)
    if plan is None:
        raise NotFound(
            f"No inspection plan {plan_id}.",
            message_vi=f"Không có kế hoạch kiểm tra {plan_id}.",
            loc=["path", "plan_id"],
        )
    if not user.sees_everything:
        paths = [u.path for u in PlanRepository(session).units(plan_id)]
        if not rules.overlaps(paths, user.unit_paths):
            raise Forbidden(
                "This plan covers no unit of your jurisdiction.",
                message_vi="Kế hoạch này không bao gồm địa bàn được phân công cho bạn.",
            )
    return plan


def draft_of(session: Session, user: Principal, plan_id: int) -> InspectionPlan:
    """Return a draft plan for an administrator to change; an approved one is refused (409)."""
    user.require_admin()
    plan = get_plan(session, user, plan_id)
    if plan.state is not PlanState.DRAFT:
        number = rules.number_line(plan.number, plan.symbol)
        raise Conflict(
            f"The plan was approved ({number}); an approved plan cannot be changed.",
            message_vi=f"Kế hoạch đã được phê duyệt ({number}); không được sửa kế hoạch "
            "đã phê duyệt.",
        )
    return plan


def update_plan(
    session: Session, user: Principal, plan_id: int, data: PlanUpdate
) -> InspectionPlan:
    """Change a draft plan; targets must still fit its period and scope; the caller commits."""
    plan = draft_of(session, user, plan_id)
    repo = PlanRepository(session)
    changes = data.model_dump(exclude_unset=True)
    if "period_from" in changes or "period_to" in changes:
        plan.period_from, plan.period_to = _period(
            plan.year, changes.get("period_from") or plan.period_from,
            changes.get("period_to") or plan.period_to,
        )  # fmt: skip
    if data.unit_codes is not None:
        issuer = UnitRepository(session).get(plan.issuer_unit_id)
        assert issuer is not None
        repo.set_units(plan_id, [u.id or 0 for u in _scope(session, issuer, data.unit_codes)])
    if data.site_kinds is not None:
        plan.site_kinds = sorted({str(k) for k in data.site_kinds})
    for name in ("subject", "purpose", "content", "resources"):
        if changes.get(name) is not None:
            setattr(plan, name, changes[name])
    session.add(plan)
    session.flush()
    paths = [u.path for u in repo.units(plan_id)]
    for i, placed in enumerate(repo.targets(plan_id)):
        check_target(plan, paths, placed, loc=["plan", "targets", i])
    audit(
        session,
        actor=user,
        action="inspection_plan.update",
        entity="inspection_plan",
        entity_id=plan_id,
        detail=changes,
    )
    return plan


def check_target(
    plan: InspectionPlan, paths: list[str], placed: Placed, *, loc: list[str | int]
) -> None:
    """Refuse a target outside the plan's units, site kinds or period."""
    target, site, unit = placed
    name = site.name
    if not rules.under(unit.path, paths):
        raise Invalid(
            f"Site {name!r} lies outside the plan's units.",
            message_vi=f"Địa điểm {name!r} nằm ngoài địa bàn của kế hoạch.",
            loc=loc,
        )
    if str(site.kind) not in plan.site_kinds:
        raise Invalid(
            f"Site {name!r} is a {site.kind}, a kind the plan does not cover.",
            message_vi=f"Địa điểm {name!r} thuộc loại {site.kind}, không thuộc phạm vi "
            "của kế hoạch.",
            loc=loc,
        )
    if not rules.inside((target.window_from, target.window_to), (plan.period_from, plan.period_to)):
        raise Invalid(
            "The target's time lies outside the plan's period.",
            message_vi="Thời gian kiểm tra nằm ngoài thời gian của kế hoạch.",
            loc=loc,
        )


def target_of(repo: PlanRepository, plan_id: int, target_id: int) -> Placed:
    """Return a plan's target with its site and unit, or refuse (404)."""
    found = repo.target(plan_id, target_id)
    if found is None:
        raise NotFound(
            f"Plan {plan_id} has no target {target_id}.",
            message_vi=f"Kế hoạch {plan_id} không có đối tượng kiểm tra {target_id}.",
            loc=["path", "target_id"],
        )
    return found


def issuing_body(session: Session, plan: InspectionPlan, *, settings: Settings) -> IssuingBody:
    """Return who issues a plan: a commune's people's committee, or the province's department."""
    units = UnitRepository(session)
    unit = units.get(plan.issuer_unit_id)
    assert unit is not None
    province: AdminUnit | None = unit
    while province is not None and province.level != UnitLevel.PROVINCE:
        province = units.get(province.parent_id) if province.parent_id else None
    above = place_of((province or unit).division_type, (province or unit).name)
    if unit.level == UnitLevel.COMMUNE:
        return commune_body(settings, place_of(unit.division_type, unit.name), above)
    return province_body(settings, above)


def approve_plan(
    session: Session,
    user: Principal,
    plan_id: int,
    data: PlanApprove,
    *,
    today: date,
    settings: Settings,
) -> InspectionPlan:
    """Approve a draft plan: number it from the register (KH) and freeze it; caller commits."""
    plan = draft_of(session, user, plan_id)
    if not PlanRepository(session).targets(plan_id):
        raise Invalid(
            "A plan needs at least one target before approval.",
            message_vi="Kế hoạch cần có ít nhất một đối tượng kiểm tra trước khi phê duyệt.",
            loc=["plan", "targets"],
        )
    if data.approved_on > today or data.approved_on > plan.period_to:
        raise Invalid(
            "The approval date lies in the future or after the plan's period.",
            message_vi="Ngày phê duyệt ở tương lai hoặc sau thời gian của kế hoạch.",
            loc=["body", "approved_on"],
        )
    body = issuing_body(session, plan, settings=settings)
    plan.number = number_for(
        session,
        ref=f"inspection_plan:{plan_id}",
        issuer_code=body.name,
        year=data.approved_on.year,
        doc_type=rules.DOC_TYPE,
    )
    configured = (settings.document_signer_authority, settings.document_signer_position)
    signer = (data.signer_authority, data.signer_position)
    if not any(signer):
        signer = configured if any(configured) else (body.signer[0], "".join(body.signer[1:]))
    plan.signer_authority, plan.signer_position = signer
    plan.signer_name = data.signer_name.strip()
    plan.symbol = settings.document_issuer_abbreviation or body.symbol
    plan.approved_on = data.approved_on
    plan.state = PlanState.APPROVED
    plan.approved_by_user_id = _made_by(user)
    plan.approved_at = utcnow()
    session.add(plan)
    session.flush()
    audit(
        session,
        actor=user,
        action="inspection_plan.approve",
        entity="inspection_plan",
        entity_id=plan_id,
        detail={"number": rules.number_line(plan.number, plan.symbol), "issuer": body.name},
    )
    return plan
