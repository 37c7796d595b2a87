"""Stamp rules with a database: issue after a pass, supersede, revoke, recall, list."""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, NotFound
from metrology_svc.instruments.lifecycle import DueNow, apply_change
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.instruments.service import get_instrument, record_event
from metrology_svc.notices.models import NoticeKind
from metrology_svc.notices.service import enqueue
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.stamps import rules
from metrology_svc.stamps.keys import KeyRing, code_for, keyring_for
from metrology_svc.stamps.models import RevokeReason, Stamp, StampScan, StampStatus
from metrology_svc.stamps.repository import StampRepository
from metrology_svc.stamps.schemas import StampPublic
from metrology_svc.verifications.models import Verification, VerificationResult


def _unit_of_site(session: Session, site_id: int) -> int | None:
    site = session.get(Site, site_id)
    return site.unit_id if site else None


def issue_for_verification(
    session: Session,
    *,
    verification: Verification,
    instrument: Instrument,
    settings: Settings,
    actor: Principal | None = None,
) -> Stamp | None:
    """Issue the stamp of a passing verification and supersede the instrument's older ones."""
    # A back-dated pass that did not move the due date is history only: it gets no stamp.
    if (
        verification.result != VerificationResult.PASS
        or verification.valid_until is None
        or instrument.last_verified_on != verification.verified_on
    ):
        return None
    assert verification.id is not None
    assert instrument.id is not None
    repo = StampRepository(session)
    year = verification.verified_on.year
    seq = repo.next_seq(year)
    stamp = Stamp(
        serial=rules.format_serial(
            settings.stamp_serial_pattern, issuer=settings.stamp_issuer_code, year=year, seq=seq
        ),
        serial_year=year,
        serial_seq=seq,
        instrument_id=instrument.id,
        verification_id=verification.id,
        # The unit the stamp is issued under: its site's now (kept when the site moves).
        unit_id=_unit_of_site(session, instrument.site_id),
        key_id=keyring_for(settings).active(),
        valid_until=verification.valid_until,
        seal_number=instrument.seal_number,
    )
    older = repo.valid_for_instrument(instrument.id)
    repo.add(stamp)
    # Kept so the public check recognises the code without verifying it (stamps/checking.py).
    stamp.signature = keyring_for(settings).sign(rules.pack_fields(token_fields(stamp)))
    now = utcnow()
    for old in older:
        old.status, old.superseded_by_id, old.updated_at = StampStatus.SUPERSEDED, stamp.id, now
        audit(
            session,
            actor=actor,
            action="stamp.supersede",
            entity="stamp",
            entity_id=old.id,
            detail={"by": stamp.id},
        )
    audit(
        session,
        actor=actor,
        action="stamp.issue",
        entity="stamp",
        entity_id=stamp.id,
        detail={
            "serial": stamp.serial,
            "instrument_id": instrument.id,
            "verification_id": verification.id,
            "valid_until": stamp.valid_until,
            "key_id": stamp.key_id,
            "supersedes": [o.id for o in older],
        },
    )
    session.flush()
    return stamp


def token_fields(stamp: Stamp) -> rules.TokenFields:
    """Return the fields a stamp's code carries."""
    assert stamp.id is not None
    return rules.TokenFields(stamp.key_id, stamp.id, stamp.instrument_id, stamp.valid_until)


def stamp_code(ring: KeyRing, stamp: Stamp) -> str:
    """Return the signed code of a stamp: its stored signature, or signed again (the same:
    Ed25519 signatures are deterministic) for a stamp older than migration 0701."""
    if stamp.signature is None:
        return code_for(ring, token_fields(stamp))
    return rules.encode_code(rules.pack_fields(token_fields(stamp)), stamp.signature)


# Only the public fields, read one by one (the stored signature travels inside the code only).
_STAMP_FIELDS = tuple(n for n in StampPublic.model_fields if n not in ("code", "url"))


def to_public(stamp: Stamp, *, ring: KeyRing, base_url: str) -> StampPublic:
    """Return the API shape of a stamp with its code and URL."""
    code = stamp_code(ring, stamp)
    return StampPublic.model_validate(
        {
            **{name: getattr(stamp, name) for name in _STAMP_FIELDS},
            "code": code,
            "url": rules.verify_url(base_url, code),
        }
    )


def get_stamp(session: Session, user: Principal, stamp_id: int) -> Stamp:
    """Return a stamp the user may see."""
    stamp = StampRepository(session).get(stamp_id)
    if stamp is None:
        raise NotFound(f"No stamp {stamp_id}.", message_vi=f"Không có tem {stamp_id}.")
    get_instrument(session, user, stamp.instrument_id)
    return stamp


def stamps_of_instrument(session: Session, user: Principal, instrument_id: int) -> list[Stamp]:
    """Return an instrument's stamps, newest first."""
    get_instrument(session, user, instrument_id)
    return StampRepository(session).for_instrument(instrument_id)


def stamps_by_ids(session: Session, user: Principal, stamp_ids: list[int]) -> list[Stamp]:
    """Return the stamps in the order given; every one must exist and be visible."""
    stamps = StampRepository(session).by_ids(stamp_ids)
    missing = sorted(set(stamp_ids) - {s.id for s in stamps})
    if missing:
        raise NotFound(
            f"No stamps {', '.join(map(str, missing))}.",
            message_vi=f"Không có tem {', '.join(map(str, missing))}.",
        )
    for instrument_id in {s.instrument_id for s in stamps}:
        get_instrument(session, user, instrument_id)
    return stamps


def stamps_for_sheet(session: Session, user: Principal, stamp_ids: list[int]) -> list[Stamp]:
    """Return the stamps to print, in the order given, and audit each label's printing."""
    stamps = stamps_by_ids(session, user, stamp_ids)
    sheet = {"labels": len(stamps)}
    entries = [
        Entry(
            "stamp.print",
            "stamp",
            s.id,
            {"serial": s.serial, "instrument_id": s.instrument_id} | sheet,
        )
        for s in stamps
    ]
    audit_many(session, actor=user, entries=entries)
    return stamps


def scans_of(session: Session, user: Principal, stamp_id: int, *, limit: int) -> list[StampScan]:
    """Return a visible stamp's latest scans."""
    get_stamp(session, user, stamp_id)
    return StampRepository(session).scans(stamp_id, limit=limit)


def make_due_now(
    session: Session, *, instrument: Instrument, actor: Principal | None, today: date, why: str
) -> bool:
    """Make an instrument due for (after-repair) verification today; tell whether it changed.

    Failed and suspended stay so (only a passing verification or a person lifts them): the
    due date moves to today, the status does not.
    """
    if instrument.status == InstrumentStatus.RETIRED:
        return False
    assert instrument.id is not None
    before = (str(instrument.status), instrument.due_date)
    # The status a due date of today implies does not depend on the due-soon window.
    apply_change(instrument, DueNow(), today=today, due_soon_days=0)
    record_event(
        session,
        instrument_id=instrument.id,
        kind="due_now",
        actor=actor,
        detail={
            "reason": why,
            "from": before[0],
            "due_date_before": before[1].isoformat() if before[1] else None,
            "due_date": today.isoformat(),
        },
    )
    audit(
        session,
        actor=actor,
        action="instrument.due_now",
        entity="instrument",
        entity_id=instrument.id,
        detail={"reason": why, "from": before[0], "due_date_before": before[1], "due_date": today},
    )
    return True


def revoke_stamp(
    session: Session,
    *,
    stamp: Stamp,
    reason: RevokeReason,
    note: str,
    actor: Principal | None,
    today: date,
) -> Stamp:
    """Revoke a valid stamp; a lost or stolen one makes its instrument due at once."""
    if stamp.status != StampStatus.VALID:
        raise Conflict(
            f"Stamp {stamp.serial} is already {stamp.status}.",
            message_vi=f"Tem {stamp.serial} không còn hiệu lực ({stamp.status}).",
        )
    now = utcnow()
    stamp.status, stamp.revoke_reason, stamp.revoke_note = StampStatus.REVOKED, reason, note
    stamp.revoked_at = stamp.updated_at = now
    instrument = InstrumentRepository(session).get(stamp.instrument_id)
    assert instrument is not None
    assert instrument.id is not None
    record_event(
        session,
        instrument_id=instrument.id,
        kind="stamp_revoked",
        actor=actor,
        detail={"stamp_id": stamp.id, "serial": stamp.serial, "reason": str(reason), "note": note},
    )
    audit(
        session,
        actor=actor,
        action="stamp.revoke",
        entity="stamp",
        entity_id=stamp.id,
        detail={
            "serial": stamp.serial,
            "instrument_id": instrument.id,
            "reason": reason,
            "note": note,
        },
    )
    if reason is RevokeReason.LOST_OR_STOLEN:
        make_due_now(session, instrument=instrument, actor=actor, today=today, why=str(reason))
        # The owner hears at once that an after-repair verification is needed (one notice).
        enqueue(
            session,
            kind=NoticeKind.LOST_STAMP,
            instrument_id=instrument.id,
            due_date=today,
            now=now,
        )
    session.flush()
    return stamp


def revoke(
    session: Session,
    user: Principal,
    stamp_id: int,
    *,
    reason: RevokeReason,
    note: str,
    today: date,
) -> Stamp:
    """Revoke a stamp the user may change; the caller commits."""
    stamp = get_stamp(session, user, stamp_id)
    user.require_write(InstrumentRepository(session).unit_path_of(stamp.instrument_id))
    return revoke_stamp(session, stamp=stamp, reason=reason, note=note, actor=user, today=today)
