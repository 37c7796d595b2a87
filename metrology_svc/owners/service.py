"""Rules for owners: a unique tax code and national ID, owner-wide changes within scope,
identity by admins.

An owner's scope is derived from their instruments: an inspector may change an owner's contact
data (and, through notices.service, their notice channels) only when every instrument of the
owner lies in the inspector's units. The identity the public stamp page shows (name, trade
name, kind, tax code) and the national ID change only by an administrator. Every change is
audited.

The national ID (CCCD/CMND) is personal data: only administrators read it (`shown`) or find an
owner by it. Whoever may create an owner may give one (a list names its owners' IDs), and is
told when another owner holds it; nobody else sees it in an answer.
"""

from typing import Any

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Forbidden, NotFound
from metrology_svc.owners.models import Owner
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.owners.schemas import OwnerCreate, OwnerPublic, OwnerUpdate

# What the public stamp page shows of an owner (a company's name, the trade name) and what
# identifies it in law: an administrator's change only.
IDENTITY_FIELDS = frozenset({"kind", "name", "trade_name", "tax_code", "national_id"})
# Personal data in an owner's record: read by administrators only.
PERSONAL_FIELDS = frozenset({"national_id"})


def sees_personal_data(user: Principal) -> bool:
    """Tell whether the user may read an owner's national ID (administrators only)."""
    return user.role is Role.ADMIN


def shown(owner: Owner, user: Principal) -> OwnerPublic:
    """Return an owner as this user may read it: personal data left out but for admins."""
    public = OwnerPublic.model_validate(owner, from_attributes=True)
    if sees_personal_data(user):
        return public
    return public.model_copy(update=dict.fromkeys(PERSONAL_FIELDS))


def get_owner(session: Session, owner_id: int) -> Owner:
    """Return the owner or raise NotFound."""
    owner = OwnerRepository(session).get(owner_id)
    if owner is None:
        raise NotFound(f"No owner {owner_id}.", message_vi=f"Không có chủ sở hữu {owner_id}.")
    return owner


def require_owner_scope(session: Session, user: Principal, owner_id: int) -> None:
    """Refuse an owner-wide change unless every instrument of the owner lies in the user's units.

    Viewers, owner accounts and market boards change nothing; an administrator changes any
    owner; an inspector only an owner whose instruments all lie in their jurisdiction.
    """
    user.require_write()
    if user.role is not Role.INSPECTOR:
        return
    outside = [
        p for p in OwnerRepository(session).instrument_unit_paths(owner_id) if not user.covers(p)
    ]
    if outside:
        raise Forbidden(
            "This owner has instruments outside your jurisdiction: only an administrator or "
            "an inspector of all their areas may change their contact data or notice channels.",
            message_vi="Chủ phương tiện này có phương tiện đo ngoài địa bàn được phân công: chỉ "
            "quản trị viên hoặc thanh tra phụ trách mọi địa bàn của chủ này được sửa thông tin "
            "liên hệ và kênh nhận thông báo.",
        )


def _require_identity_change(user: Principal, fields: list[str]) -> None:
    if fields and user.role is not Role.ADMIN:
        raise Forbidden(
            f"Only an administrator may change an owner's {', '.join(fields)} "
            "(shown on the public stamp page or identifying the owner in law).",
            message_vi="Chỉ quản trị viên được sửa tên, tên cơ sở, loại hình, mã số thuế hoặc "
            "số CCCD/CMND của chủ phương tiện (hiển thị trên trang tra cứu tem công khai hoặc "
            "xác định chủ phương tiện theo pháp luật).",
            loc=["body", fields[0]],
        )


# Values one owner holds at most: field -> (English name, Vietnamese name).
_UNIQUE = {"tax_code": ("Tax code", "Mã số thuế"), "national_id": ("National ID", "Số CCCD/CMND")}


def _check_unique(session: Session, values: dict[str, Any], owner_id: int | None) -> None:
    """Refuse a tax code or national ID another owner holds (409, naming that owner)."""
    repo = OwnerRepository(session)
    for field, (en, vi) in _UNIQUE.items():
        value = values.get(field)
        if value is None:
            continue
        other = repo.by_tax_code(value) if field == "tax_code" else repo.by_national_id(value)
        if other is not None and other.id != owner_id:
            raise Conflict(
                f"{en} {value} belongs to owner {other.id}.",
                message_vi=f"{vi} {value} đã thuộc chủ sở hữu {other.id}.",
                loc=["body", field],
            )


def create_owner(session: Session, user: Principal, data: OwnerCreate) -> Owner:
    """Create an owner (audited); the caller commits."""
    user.require_write()
    _check_unique(session, {"tax_code": data.tax_code, "national_id": data.national_id}, None)
    owner = OwnerRepository(session).add(Owner.model_validate(data))
    audit(
        session,
        actor=user,
        action="owner.create",
        entity="owner",
        entity_id=owner.id,
        detail=data.model_dump(),
    )
    return owner


def update_owner(session: Session, user: Principal, owner_id: int, data: OwnerUpdate) -> Owner:
    """Change an owner's fields within the rules above (audited); the caller commits."""
    user.require_write()
    owner = get_owner(session, owner_id)
    require_owner_scope(session, user, owner_id)
    changes = data.model_dump(exclude_unset=True)
    # A form that sends the name back unchanged is no identity change.
    changed: dict[str, Any] = {k: v for k, v in changes.items() if getattr(owner, k) != v}
    _require_identity_change(user, sorted(IDENTITY_FIELDS & changed.keys()))
    _check_unique(session, changed, owner.id)
    before = {k: getattr(owner, k) for k in changed}
    for key, value in changed.items():
        setattr(owner, key, value)
    session.flush()
    if changed:
        audit(
            session,
            actor=user,
            action="owner.update",
            entity="owner",
            entity_id=owner_id,
            detail={
                "identity": bool(IDENTITY_FIELDS & changed.keys()),
                **{k: {"from": before[k], "to": v} for k, v in changed.items()},
            },
        )
    return owner
