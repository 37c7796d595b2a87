"""Rules for sites: a site sits in a unit within the user's jurisdiction; names are unique there."""

from enum import StrEnum

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.sites.models import Site, SiteMove
from metrology_svc.sites.repository import MoveRow, SiteRepository
from metrology_svc.sites.schemas import (
    MoveUnit,
    SiteCreate,
    SiteHistory,
    SiteMovePublic,
    SitePublic,
    SiteUpdate,
    SiteWarning,
)
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.service import Resolved, resolve_unit_input


def to_public(site: Site, unit: AdminUnit) -> SitePublic:
    """Return the API shape of a site."""
    return SitePublic.model_validate({**site.model_dump(), "unit_code": unit.code})


def get_site(session: Session, user: Principal, site_id: int) -> tuple[Site, AdminUnit]:
    """Return a site the user may see, or raise NotFound / Forbidden."""
    found = SiteRepository(session).get_with_unit(site_id)
    if found is None:
        raise NotFound(f"No site {site_id}.", message_vi=f"Không có địa điểm {site_id}.")
    user.require_read(found[1].path)
    return found


def _unit_of(session: Session, data: SiteCreate) -> Resolved:
    """Return the unit in force a new site names by code, old code or address."""
    if data.unit_code:
        return resolve_unit_input(session, data.unit_code, loc=["body", "unit_code"])
    if data.address.strip():
        return resolve_unit_input(session, data.address, loc=["body", "address"])
    raise Invalid(
        "Give the unit's code (unit_code) or the site's address.",
        message_vi="Cần mã đơn vị hành chính (unit_code) hoặc địa chỉ của địa điểm.",
        loc=["body", "unit_code"],
    )


def create_site(session: Session, user: Principal, data: SiteCreate) -> SitePublic:
    """Create a site in the unit in force its code, old code or address names; caller commits.

    An old code or an address is read with a warning, returned in `warnings`.
    """
    found = _unit_of(session, data)
    unit = found.unit
    user.require_write(unit.path)
    assert unit.id is not None
    repo = SiteRepository(session)
    if repo.by_unit_and_name(unit.id, data.name) is not None:
        raise Conflict(
            f"A site named {data.name!r} exists in {unit.name}.",
            message_vi=f"Đã có địa điểm {data.name!r} tại {unit.name}.",
            loc=["body", "name"],
        )
    fields = data.model_dump(exclude={"unit_code"})
    site = repo.add(Site(**fields, unit_id=unit.id))
    detail = {**fields, "unit_id": unit.id, "unit": f"{unit.scheme}:{unit.code}"}
    audit(
        session, actor=user, action="site.create", entity="site", entity_id=site.id, detail=detail
    )
    public = to_public(site, unit)
    if found.warning_vi:
        warning = SiteWarning(
            message=found.warning_en or found.warning_vi, message_vi=found.warning_vi
        )
        public.warnings = [warning]
    return public


def update_site(session: Session, user: Principal, site_id: int, data: SiteUpdate) -> SitePublic:
    """Change a site's fields; the caller commits."""
    site, unit = get_site(session, user, site_id)
    user.require_write(unit.path)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(site, key, value)
    session.flush()
    audit(
        session, actor=user, action="site.update", entity="site", entity_id=site.id, detail=changes
    )
    return to_public(site, unit)


class MoveReason(StrEnum):
    """Why a site changed its administrative unit."""

    SUCCESSION_WHOLE = "succession_whole"  # its old commune went whole into the new one
    SUCCESSION_REVIEWED = "succession_reviewed"  # split commune: a reviewer decided
    MANUAL = "manual"


def name_taken(session: Session, site: Site, unit_id: int) -> bool:
    """Tell whether another site of the same name already sits in the unit."""
    other = SiteRepository(session).by_unit_and_name(unit_id, site.name)
    return other is not None and other.id != site.id


def move_site(
    session: Session,
    *,
    site: Site,
    to_unit: AdminUnit,
    reason: MoveReason,
    basis: str,
    actor: Principal | None,
) -> SiteMove:
    """Move a site to another unit, keep the move in its history and audit it; caller commits.

    The callers check who may move it; records made at the site keep their own unit.
    """
    assert site.id is not None
    assert to_unit.id is not None
    if to_unit.id == site.unit_id:
        raise Invalid(
            f"The site is already in {to_unit.name}.",
            message_vi=f"Địa điểm đã thuộc {to_unit.name}.",
            loc=["body", "unit_code"],
        )
    if name_taken(session, site, to_unit.id):
        raise Conflict(
            f"A site named {site.name!r} exists in {to_unit.name}: rename one of them first.",
            message_vi=f"Đã có địa điểm {site.name!r} tại {to_unit.name}: hãy đổi tên một trong "
            "hai trước.",
            loc=["body", "unit_code"],
        )
    by = actor.user_id if actor is not None and actor.user_id > 0 else None
    move = SiteMove(
        site_id=site.id,
        from_unit_id=site.unit_id,
        to_unit_id=to_unit.id,
        reason=reason.value,
        basis=basis[:300],
        by_user_id=by,
    )
    site.unit_id = to_unit.id
    session.add(site)
    SiteRepository(session).add_move(move)
    audit(
        session,
        actor=actor,
        action="site.move",
        entity="site",
        entity_id=site.id,
        detail={
            "from_unit_id": move.from_unit_id,
            "to_unit_id": to_unit.id,
            "to_unit": f"{to_unit.scheme}:{to_unit.code}",
            "reason": reason.value,
            "basis": move.basis,
        },
    )
    return move


def _move_public(row: MoveRow) -> SiteMovePublic:
    def unit(u: AdminUnit) -> MoveUnit:
        return MoveUnit(id=u.id or 0, code=u.code, name=u.name, scheme=u.scheme)

    m = row.move
    return SiteMovePublic(
        id=m.id or 0,
        from_unit=unit(row.from_unit),
        to_unit=unit(row.to_unit),
        moved_at=m.moved_at,
        reason=m.reason,
        basis=m.basis,
        by_user_id=m.by_user_id,
        by_name=row.by_name,
    )


def site_history(session: Session, user: Principal, site_id: int) -> SiteHistory:
    """Return a site's moves between units, oldest first (the site must be readable)."""
    site, unit = get_site(session, user, site_id)
    moves = SiteRepository(session).moves(site_id)
    return SiteHistory(
        site_id=site_id,
        unit_id=site.unit_id,
        unit_code=unit.code,
        moves=[_move_public(r) for r in moves],
    )
