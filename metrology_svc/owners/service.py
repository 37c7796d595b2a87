"""Rules for owners: the tax code, when given, is unique."""

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, NotFound
from metrology_svc.owners.models import Owner
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.owners.schemas import OwnerCreate, OwnerUpdate


def get_owner(session: Session, owner_id: int) -> Owner:
    """Return the owner or raise NotFound."""
    owner = OwnerRepository(session).get(owner_id)
    if owner is None:
        raise NotFound(f"No owner {owner_id}.", message_vi=f"Không có chủ sở hữu {owner_id}.")
    return owner


def _check_tax_code(session: Session, tax_code: str | None, owner_id: int | None) -> None:
    if tax_code is None:
        return
    other = OwnerRepository(session).by_tax_code(tax_code)
    if other is not None and other.id != owner_id:
        raise Conflict(
            f"Tax code {tax_code} belongs to owner {other.id}.",
            message_vi=f"Mã số thuế {tax_code} đã thuộc chủ sở hữu {other.id}.",
            loc=["body", "tax_code"],
        )


def create_owner(session: Session, user: Principal, data: OwnerCreate) -> Owner:
    """Create an owner; the caller commits."""
    user.require_write()
    _check_tax_code(session, data.tax_code, None)
    return OwnerRepository(session).add(Owner.model_validate(data))


def update_owner(session: Session, user: Principal, owner_id: int, data: OwnerUpdate) -> Owner:
    """Change an owner's fields; the caller commits."""
    user.require_write()
    owner = get_owner(session, owner_id)
    changes = data.model_dump(exclude_unset=True)
    _check_tax_code(session, changes.get("tax_code"), owner.id)
    for key, value in changes.items():
        setattr(owner, key, value)
    session.flush()
    return owner
