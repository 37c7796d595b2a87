"""Fold a duplicate owner into another: one person registered twice (e.g. by an import that
matched no phone or tax code) becomes one owner again.

The owner that stays gets the duplicate's instruments (each with a "transferred" history
event), the notices' links to their owner (never the letters' recipient snapshot: a notice
still prints the name and address it was made with), notice channels, portal accounts and
inspection decisions; its empty contact fields are filled from the duplicate's. The duplicate
is then removed, and everything it held is kept in the `owner.merge` audit record.
"""

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from metrology_svc.audit.service import audit
from metrology_svc.auth.models import OwnerUser
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict
from metrology_svc.inspections.models import InspectionDecision
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.notices.models import Notice, NoticePreference
from metrology_svc.owners.models import Owner
from metrology_svc.owners.schemas import OwnerMergeResult, OwnerPublic
from metrology_svc.owners.service import get_owner

# Filled on the owner that stays when empty there and given on the duplicate.
FILLED = ("trade_name", "tax_code", "national_id", "phone", "email", "address")
CHANNELS = ("email", "webhook_url", "webhook_secret", "mqtt_topic")


def _refuse(owner: Owner, duplicate: Owner) -> None:
    if owner.id == duplicate.id:
        raise Conflict(
            "An owner cannot be merged into itself.",
            message_vi="Không thể gộp một chủ sở hữu vào chính nó.",
            loc=["body", "duplicate_id"],
        )
    if owner.tax_code and duplicate.tax_code and owner.tax_code != duplicate.tax_code:
        raise Conflict(
            f"Owners {owner.id} and {duplicate.id} have different tax codes "
            f"({owner.tax_code}, {duplicate.tax_code}): they are two businesses in law.",
            message_vi=f"Chủ sở hữu {owner.id} và {duplicate.id} có mã số thuế khác nhau "
            f"({owner.tax_code}, {duplicate.tax_code}): là hai cơ sở khác nhau.",
            loc=["body", "duplicate_id"],
        )
    if owner.national_id and duplicate.national_id and owner.national_id != duplicate.national_id:
        raise Conflict(
            f"Owners {owner.id} and {duplicate.id} have different national ID numbers: "
            "they are two people.",
            message_vi=f"Chủ sở hữu {owner.id} và {duplicate.id} có số định danh cá nhân "
            "(CCCD/CMND) khác nhau: là hai người khác nhau.",
            loc=["body", "duplicate_id"],
        )


def _data(owner: Owner) -> dict[str, Any]:
    return owner.model_dump(mode="json")


def _move_instruments(session: Session, user: Principal, owner_id: int, dup_id: int) -> list[int]:
    moved = list(
        session.exec(
            select(Instrument)
            .where(col(Instrument.owner_id) == dup_id)
            .order_by(col(Instrument.id))
        ).all()
    )
    actor = user.user_id if user.user_id > 0 else None
    now = utcnow()
    for instrument in moved:
        assert instrument.id is not None
        instrument.owner_id, instrument.updated_at = owner_id, now
        detail = {
            "from_owner_id": dup_id,
            "to_owner_id": owner_id,
            "serial": instrument.serial,
            "reason": "owner_merge",
        }
        session.add(
            InstrumentEvent(
                instrument_id=instrument.id,
                at=now,
                kind="transferred",
                actor_user_id=actor,
                detail=detail,
            )
        )
    return [i.id for i in moved if i.id is not None]


def _relink(session: Session, model: Any, owner_id: int, dup_id: int) -> int:
    """Point every row of `model` naming the duplicate at the owner; return how many."""
    stmt = update(model).where(model.owner_id == dup_id).values(owner_id=owner_id)
    result = session.execute(stmt.execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def _preferences(session: Session, owner_id: int, dup_id: int) -> tuple[bool, dict[str, Any]]:
    """Give the owner the duplicate's channels where its own are empty; drop the duplicate's."""
    theirs = session.get(NoticePreference, dup_id)
    if theirs is None:
        return False, {}
    kept = theirs.model_dump(mode="json")
    if kept.get("webhook_secret"):
        kept["webhook_secret"] = "(sealed)"  # the record says there was one, never its value
    ours = session.get(NoticePreference, owner_id)
    if ours is None:
        ours = NoticePreference(owner_id=owner_id)
        session.add(ours)
    for name in CHANNELS:
        if not getattr(ours, name) and getattr(theirs, name):
            setattr(ours, name, getattr(theirs, name))
    ours.letter = ours.letter or theirs.letter
    ours.updated_at = utcnow()
    session.delete(theirs)
    return True, kept


def merge_owners(
    session: Session, user: Principal, owner_id: int, duplicate_id: int
) -> OwnerMergeResult:
    """Fold owner `duplicate_id` into `owner_id` (administrators only; audited); the caller
    commits."""
    user.require_admin()
    owner, duplicate = get_owner(session, owner_id), get_owner(session, duplicate_id)
    _refuse(owner, duplicate)
    merged = _data(duplicate)
    instrument_ids = _move_instruments(session, user, owner_id, duplicate_id)
    notices = _relink(session, Notice, owner_id, duplicate_id)
    accounts = _relink(session, OwnerUser, owner_id, duplicate_id)
    decisions = _relink(session, InspectionDecision, owner_id, duplicate_id)
    preferences, channels = _preferences(session, owner_id, duplicate_id)
    session.flush()
    session.delete(duplicate)
    session.flush()  # the duplicate's tax code and ID are free before the owner takes them
    filled = [f for f in FILLED if not getattr(owner, f) and getattr(duplicate, f)]
    for name in filled:
        setattr(owner, name, getattr(duplicate, name))
    session.flush()
    audit(
        session,
        actor=user,
        action="owner.merge",
        entity="owner",
        entity_id=owner_id,
        detail={
            "duplicate_id": duplicate_id,
            "merged_owner": merged,  # the removed owner as it was
            "merged_preferences": channels,
            "instrument_ids": instrument_ids,
            "notices": notices,
            "accounts": accounts,
            "decisions": decisions,
            "filled": {f: merged[f] for f in filled},
        },
    )
    return OwnerMergeResult(
        owner=OwnerPublic.model_validate(owner, from_attributes=True),
        duplicate_id=duplicate_id,
        instrument_ids=instrument_ids,
        notices=notices,
        accounts=accounts,
        decisions=decisions,
        preferences=preferences,
        filled=filled,
    )
