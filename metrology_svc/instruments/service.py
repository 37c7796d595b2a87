"""Rules for instruments: identity, references, jurisdiction, status and history."""

from datetime import date
from typing import Any

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.lifecycle import Manual, apply_change
from metrology_svc.instruments.models import Instrument, InstrumentEvent, InstrumentStatus
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.instruments.rules import identity_key, implausible
from metrology_svc.instruments.schemas import InstrumentCreate, InstrumentUpdate, StatusChange
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.sites.repository import SiteRepository


def get_instrument(session: Session, user: Principal, instrument_id: int) -> Instrument:
    """Return an instrument the user may see, or raise NotFound / Forbidden."""
    repo = InstrumentRepository(session)
    instrument = repo.get(instrument_id)
    if instrument is None:
        raise NotFound(
            f"No instrument {instrument_id}.",
            message_vi=f"Không có phương tiện đo {instrument_id}.",
        )
    user.require_instrument(
        path=repo.unit_path_of(instrument_id) or "", owner_id=instrument.owner_id
    )
    return instrument


def _site_path(session: Session, site_id: int, loc: str) -> str:
    found = SiteRepository(session).get_with_unit(site_id)
    if found is None:
        raise Invalid(
            f"No site {site_id}.", message_vi=f"Không có địa điểm {site_id}.", loc=["body", loc]
        )
    return found[1].path


def _check_owner(session: Session, owner_id: int) -> None:
    if OwnerRepository(session).get(owner_id) is None:
        raise Invalid(
            f"No owner {owner_id}.",
            message_vi=f"Không có chủ sở hữu {owner_id}.",
            loc=["body", "owner_id"],
        )


PLAUSIBLE_FIELDS = ("max_g", "e_g", "d_g", "qmin_lpm", "qmax_lpm")

# Events of other packages that change an instrument (its status, its stamps) and have no audit
# hook of their own there: the history entry is audited too.
AUDITED_EVENTS = {
    "inspection_finding": "instrument.inspection_finding",
    # A change of owner: the notices made before stay the previous owner's (their snapshot).
    "transferred": "instrument.transfer",
}


def record_event(
    session: Session,
    *,
    instrument_id: int,
    kind: str,
    actor: Principal | None,
    detail: dict[str, Any],
) -> None:
    """Append an event to an instrument's history."""
    InstrumentRepository(session).add(
        InstrumentEvent(
            instrument_id=instrument_id,
            kind=kind,
            detail=detail,
            # Principal id 0 is the command line's system principal: no account to point at.
            actor_user_id=actor.user_id if actor and actor.user_id > 0 else None,
        )
    )
    if kind in AUDITED_EVENTS:
        audit(
            session,
            actor=actor,
            action=AUDITED_EVENTS[kind],
            entity="instrument",
            entity_id=instrument_id,
            detail=detail,
        )


def check_plausible(values: dict[str, Any]) -> None:
    """Refuse characteristics that contradict each other (e > Max, d > e), naming the field."""
    found = implausible(
        max_g=values.get("max_g"),
        e_g=values.get("e_g"),
        d_g=values.get("d_g"),
        qmin_lpm=values.get("qmin_lpm"),
        qmax_lpm=values.get("qmax_lpm"),
    )
    if found:
        raise Invalid(found[0].en, message_vi=found[0].vi, loc=["body", found[0].field])


class NearDuplicate(Conflict):
    """The instrument is alike a stored one (instruments.identity) and not said to differ."""

    code = "near_duplicate"

    def __init__(self, data: InstrumentCreate, alike: list[Instrument]) -> None:
        self.alike = alike
        named = ", ".join(f"id {i.id} ({i.manufacturer} / {i.serial})" for i in alike)
        super().__init__(
            f"Instrument {data.manufacturer} / {data.serial} looks like the stored instrument "
            f"{named} once case, accents, spacing, punctuation and the maker's other names are "
            'set aside. If it is a different instrument, say so (on the form: tick "This is a '
            'different instrument"; in the API: confirm_distinct = true) and send it again.',
            message_vi=f"Phương tiện đo {data.manufacturer} số {data.serial} giống phương tiện "
            f"đo đã có {named} khi bỏ qua chữ hoa, dấu, khoảng trắng, dấu câu và tên gọi khác "
            "của hãng. Nếu đúng là phương tiện đo khác, hãy xác nhận (trên biểu mẫu: đánh dấu "
            'ô "Đây là một phương tiện đo khác"; qua API: confirm_distinct = true) rồi gửi lại.',
            details=[
                {
                    "loc": ["body", "confirm_distinct"],
                    "msg": "A stored instrument is alike.",
                    "existing": [
                        {"id": i.id, "manufacturer": i.manufacturer, "serial": i.serial}
                        for i in alike
                    ],
                }
            ],
        )


def _check_alike(session: Session, data: InstrumentCreate, loose_key: str) -> list[int]:
    """Refuse an instrument alike a stored one unless the client says it differs; return the
    ids of the alike instruments it was said to differ from."""
    alike = InstrumentRepository(session).alike(loose_key)
    if alike and not data.confirm_distinct:
        raise NearDuplicate(data, alike)
    return [i.id for i in alike if i.id is not None]


def create_instrument(session: Session, user: Principal, data: InstrumentCreate) -> Instrument:
    """Register an instrument; the caller commits."""
    check_plausible(data.model_dump())
    kind = TypeRepository(session).get(data.type_code)
    if kind is None:
        raise Invalid(
            f"Unknown instrument type {data.type_code!r}.",
            loc=["body", "type_code"],
            message_vi=f"Không có loại phương tiện đo {data.type_code!r}.",
        )
    user.require_write(_site_path(session, data.site_id, "site_id"))
    _check_owner(session, data.owner_id)
    repo = InstrumentRepository(session)
    key = identity_key(type_code=data.type_code, manufacturer=data.manufacturer, serial=data.serial)
    existing = repo.by_identity(key)
    if existing is not None:
        raise Conflict(
            f"Instrument {data.type_code} / {data.manufacturer} / {data.serial} exists "
            f"(id {existing.id}).",
            loc=["body", "serial"],
            message_vi=f"Phương tiện đo {data.manufacturer} số {data.serial} đã có "
            f"(id {existing.id}).",
        )
    loose_key = loose_identity(data.type_code, data.manufacturer, data.serial)
    distinct_from = _check_alike(session, data, loose_key)
    instrument = Instrument.model_validate(
        data.model_dump(exclude={"confirm_distinct"}),
        update={
            "identity_key": key,
            "loose_key": loose_key,
            "accuracy_class": data.accuracy_class or kind.default_accuracy_class,
        },
    )
    repo.add(instrument)
    assert instrument.id is not None
    if distinct_from:
        audit(
            session,
            actor=user,
            action="instrument.confirm_distinct",
            entity="instrument",
            entity_id=instrument.id,
            detail={"alike_ids": distinct_from, "loose_key": loose_key},
        )
    record_event(
        session,
        instrument_id=instrument.id,
        kind="registered",
        actor=user,
        detail={"serial": instrument.serial, "type_code": instrument.type_code},
    )
    audit(
        session,
        actor=user,
        action="instrument.create",
        entity="instrument",
        entity_id=instrument.id,
        detail=data.model_dump(),
    )
    return instrument


def update_instrument(
    session: Session, user: Principal, instrument_id: int, data: InstrumentUpdate
) -> Instrument:
    """Change an instrument's descriptive fields, owner or site; the caller commits."""
    instrument = get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    changes = data.model_dump(exclude_unset=True)
    if changes.get("site_id") is not None:
        user.require_write(_site_path(session, changes["site_id"], "site_id"))
    if changes.get("owner_id") is not None:
        _check_owner(session, changes["owner_id"])
    check_plausible({k: changes.get(k, getattr(instrument, k)) for k in PLAUSIBLE_FIELDS})
    before = {k: getattr(instrument, k) for k in changes}
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if changed:
        for key, value in changed.items():
            setattr(instrument, key, value)
        instrument.updated_at = utcnow()
        record_event(
            session,
            instrument_id=instrument_id,
            kind="updated",
            actor=user,
            detail={k: {"from": before[k], "to": v} for k, v in changed.items()},
        )
        audit(
            session,
            actor=user,
            action="instrument.update",
            entity="instrument",
            entity_id=instrument_id,
            detail={k: {"from": before[k], "to": v} for k, v in changed.items()},
        )
        if "owner_id" in changed:
            _record_transfer(session, user, instrument, from_owner_id=before["owner_id"])
    session.flush()
    return instrument


def _record_transfer(
    session: Session, user: Principal, instrument: Instrument, *, from_owner_id: int
) -> None:
    """Record a change of owner in the history and the audit chain (its own event)."""
    assert instrument.id is not None
    record_event(
        session,
        instrument_id=instrument.id,
        kind="transferred",
        actor=user,
        detail={
            "from_owner_id": from_owner_id,
            "to_owner_id": instrument.owner_id,
            "serial": instrument.serial,
        },
    )


def change_status(
    session: Session,
    user: Principal,
    instrument_id: int,
    data: StatusChange,
    *,
    today: date,
    due_soon_days: int,
) -> Instrument:
    """Suspend, retire or reinstate an instrument; a retired instrument stays retired."""
    instrument = get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    if instrument.status == InstrumentStatus.RETIRED:
        raise Conflict(
            "A retired instrument cannot change status.",
            message_vi="Phương tiện đo đã ngừng sử dụng, không đổi trạng thái được.",
        )
    if data.action == "reinstate" and instrument.status != InstrumentStatus.SUSPENDED:
        raise Conflict(
            "Only a suspended instrument can be reinstated; a failed one needs a "
            "passing verification.",
            message_vi="Chỉ phương tiện bị đình chỉ mới được khôi phục; phương tiện "
            "không đạt phải kiểm định lại.",
        )
    before = instrument.status
    apply_change(instrument, Manual(data.action), today=today, due_soon_days=due_soon_days)
    instrument.updated_at = utcnow()
    record_event(
        session,
        instrument_id=instrument_id,
        kind="status_changed",
        actor=user,
        detail={"from": str(before), "to": str(instrument.status), "reason": data.reason},
    )
    audit(
        session,
        actor=user,
        action=f"instrument.{data.action}",
        entity="instrument",
        entity_id=instrument_id,
        detail={"from": str(before), "to": str(instrument.status), "reason": data.reason},
    )
    session.flush()
    return instrument


def refresh_loose_keys(session: Session, *, batch: int = 5000) -> int:
    """Recompute every stored loose key (after makers.csv changed); return how many changed.

    Run by `metrology-svc db upgrade` and every start on SQLite. The caller commits.
    """
    repo, last, changed = InstrumentRepository(session), 0, 0
    while rows := repo.identities_after(last, limit=batch):
        stale: dict[int, str] = {}
        for instrument_id, type_code, maker, serial, stored in rows:
            key = loose_identity(type_code, maker, serial)
            if key != stored:
                stale[instrument_id] = key
        repo.set_loose_keys(stale)
        changed, last = changed + len(stale), rows[-1][0]
    return changed
