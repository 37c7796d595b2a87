"""Inspection rules with a database: open at a site, list and read in scope, close."""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.inspections.models import Inspection, InspectionFinding, MemberRole
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import (
    CloseIn,
    DecisionPublic,
    FindingPublic,
    InspectionCreate,
    InspectionDetail,
    InspectionPublic,
    MeasurePublic,
    MemberPublic,
)
from metrology_svc.sites.models import Site
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.units.models import AdminUnit

Placed = tuple[Inspection, Site, AdminUnit]


def create_inspection(
    session: Session, user: Principal, data: InspectionCreate, *, today: date
) -> Placed:
    """Open an inspection at a site within the user's jurisdiction; the caller commits."""
    found = SiteRepository(session).get_with_unit(data.site_id)
    if found is None:
        raise Invalid(
            f"No site {data.site_id}.",
            message_vi=f"Không có địa điểm {data.site_id}.",
            loc=["body", "site_id"],
        )
    site, unit = found
    user.require_write(unit.path)
    if data.inspected_on > today:
        raise Invalid(
            "The inspection date lies in the future.",
            message_vi="Ngày kiểm tra ở tương lai.",
            loc=["body", "inspected_on"],
        )
    # The unit the inspection is made under: kept when the site later moves (rehoming).
    # Principal id 0 is the command line's system principal: no account to point at.
    made_by = user.user_id if user.user_id > 0 else None
    inspection = Inspection.model_validate(
        data, update={"created_by_user_id": made_by, "unit_id": unit.id}
    )
    InspectionRepository(session).add(inspection)
    detail = {**data.model_dump(), "unit_id": unit.id}
    audit(
        session,
        actor=user,
        action="inspection.open",
        entity="inspection",
        entity_id=inspection.id,
        detail=detail,
    )
    return inspection, site, unit


def get_inspection(session: Session, user: Principal, inspection_id: int) -> Placed:
    """Return an inspection the user may read, with its site and unit."""
    found = InspectionRepository(session).get_with_place(inspection_id)
    if found is None:
        raise NotFound(
            f"No inspection {inspection_id}.",
            message_vi=f"Không có cuộc kiểm tra {inspection_id}.",
            loc=["path", "inspection_id"],
        )
    user.require_read(found[2].path)
    return found


def require_closable(session: Session, inspection_id: int) -> None:
    """Refuse to close an inspection with no decision or no team leader."""
    repo = InspectionRepository(session)
    if repo.decision(inspection_id) is None:
        raise Invalid(
            "An inspection cannot be closed without its decision.",
            message_vi="Không thể kết thúc cuộc kiểm tra khi chưa có quyết định kiểm tra.",
            loc=["path", "inspection_id"],
        )
    if not any(m.role is MemberRole.LEADER for m in repo.team(inspection_id)):
        raise Invalid(
            "An inspection cannot be closed without a team leader.",
            message_vi="Không thể kết thúc cuộc kiểm tra khi chưa có trưởng đoàn.",
            loc=["path", "inspection_id"],
        )


def close_inspection(
    session: Session, user: Principal, inspection_id: int, data: CloseIn | None = None
) -> Placed:
    """Close an open inspection with a decision and a leader (findings can no longer be
    added), recording how the minutes were signed; the caller commits."""
    inspection, site, unit = get_inspection(session, user, inspection_id)
    user.require_write(unit.path)
    if inspection.closed_at is not None:
        raise Conflict(
            f"Inspection {inspection_id} is already closed.",
            message_vi=f"Cuộc kiểm tra {inspection_id} đã kết thúc.",
        )
    require_closable(session, inspection_id)
    data = data or CloseIn()
    if data.party_signature == "refused" and len(data.refusal_note.strip()) < 2:
        raise Invalid(
            "Say how the representative refused to sign (the minutes record it).",
            message_vi="Ghi rõ việc đại diện bên được kiểm tra từ chối ký biên bản.",
            loc=["body", "refusal_note"],
        )
    inspection.party_signature = data.party_signature
    inspection.refusal_note = data.refusal_note.strip()
    inspection.conclusion = data.conclusion.strip()
    inspection.closed_at = utcnow()
    session.flush()
    detail = {**data.model_dump(), "closed_at": inspection.closed_at}
    audit(
        session,
        actor=user,
        action="inspection.close",
        entity="inspection",
        entity_id=inspection_id,
        detail=detail,
    )
    return inspection, site, unit


def to_public(placed: Placed, counts: dict[str, int]) -> InspectionPublic:
    """Return the API shape of an inspection."""
    inspection, site, unit = placed
    return InspectionPublic.model_validate(
        {
            **inspection.model_dump(),
            "site_name": site.name,
            "unit_code": unit.code,
            "findings_by_kind": counts,
        }
    )


def finding_public(finding: InspectionFinding) -> FindingPublic:
    """Return the API shape of a finding."""
    return FindingPublic.model_validate(finding, from_attributes=True)


def detail(session: Session, placed: Placed) -> InspectionDetail:
    """Return an inspection with its findings."""
    inspection_id = placed[0].id
    assert inspection_id is not None
    repo = InspectionRepository(session)
    counts = repo.kind_counts([inspection_id])[inspection_id]
    decision = repo.decision(inspection_id)
    inspection = placed[0]
    return InspectionDetail.model_validate(
        {
            **to_public(placed, counts).model_dump(),
            "findings": [finding_public(f) for f in repo.findings(inspection_id)],
            "decision": DecisionPublic.model_validate(decision, from_attributes=True)
            if decision
            else None,
            "team": [
                MemberPublic.model_validate(m, from_attributes=True)
                for m in repo.team(inspection_id)
            ],
            "measures": [
                MeasurePublic.model_validate(m, from_attributes=True)
                for m in repo.measures(inspection_id)
            ],
            "party_signature": inspection.party_signature,
            "refusal_note": inspection.refusal_note,
            "conclusion": inspection.conclusion,
        }
    )
