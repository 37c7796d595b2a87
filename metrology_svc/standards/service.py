"""Reference standards: registration, and reverse traceability when one is out of tolerance."""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.stamps.models import RevokeReason, Stamp, StampStatus
from metrology_svc.stamps.repository import StampRepository
from metrology_svc.stamps.schemas import AffectedStamp, OutOfToleranceRequest, OutOfToleranceResult
from metrology_svc.stamps.service import make_due_now, revoke_stamp
from metrology_svc.standards.models import ReferenceStandard, StandardBase
from metrology_svc.standards.repository import StandardRepository


def create_standard(session: Session, user: Principal, data: StandardBase) -> ReferenceStandard:
    """Register a reference standard; the caller commits."""
    user.require_write()
    repo = StandardRepository(session)
    if repo.by_codes([data.code]):
        raise Conflict(
            f"Standard {data.code} exists.",
            message_vi=f"Chuẩn {data.code} đã có.",
            loc=["body", "code"],
        )
    standard = repo.add(ReferenceStandard.model_validate(data))
    audit(
        session,
        actor=user,
        action="standard.create",
        entity="reference_standard",
        entity_id=standard.id,
        detail=data.model_dump(),
    )
    return standard


def get_standard(session: Session, code: str) -> ReferenceStandard:
    """Return the standard with this code."""
    found = StandardRepository(session).by_codes([code])
    if not found:
        raise NotFound(f"No standard {code}.", message_vi=f"Không có chuẩn {code}.")
    return found[0]


def _withdraw(
    session: Session,
    user: Principal,
    stamp: Stamp,
    *,
    data: OutOfToleranceRequest,
    standard_code: str,
    today: date,
) -> tuple[bool, Instrument]:
    """Revoke the stamp when asked; return whether it was revoked, and its instrument."""
    revoked = data.action == "revoke"
    if revoked:
        revoke_stamp(
            session,
            stamp=stamp,
            reason=RevokeReason.STANDARD_OUT_OF_TOLERANCE,
            note=data.note or f"standard {standard_code}",
            actor=user,
            today=today,
        )
    instrument = InstrumentRepository(session).get(stamp.instrument_id)
    assert instrument is not None
    return revoked, instrument


def out_of_tolerance(
    session: Session,
    user: Principal,
    code: str,
    data: OutOfToleranceRequest,
    *,
    today: date,
) -> OutOfToleranceResult:
    """List every stamp issued with the standard since its last good calibration, and act on them.

    Recalling reaches across jurisdictions (a standard serves the whole office), so only an
    administrator may revoke or recall; anyone who may write can list.
    """
    standard = get_standard(session, code)
    if data.last_good_calibration > today:
        raise Invalid(
            "The last good calibration lies in the future.",
            message_vi="Ngày hiệu chuẩn đạt gần nhất ở tương lai.",
            loc=["body", "last_good_calibration"],
        )
    user.require_write()
    if data.action != "list":
        user.require_admin()
    assert standard.id is not None
    stamps = StampRepository(session).issued_with_standard(
        standard.id, since=data.last_good_calibration
    )
    affected: list[AffectedStamp] = []
    revoked, recalled = 0, set[int]()
    why = f"standard_out_of_tolerance:{standard.code}"
    for stamp in stamps:
        before = StampStatus(stamp.status)
        if before is StampStatus.VALID and data.action != "list":
            was_revoked, instrument = _withdraw(
                session, user, stamp, data=data, standard_code=standard.code, today=today
            )
            revoked += was_revoked
            if stamp.instrument_id not in recalled and make_due_now(
                session, instrument=instrument, actor=user, today=today, why=why
            ):
                recalled.add(stamp.instrument_id)
        affected.append(_affected(stamp, before))
    session.flush()
    return OutOfToleranceResult(
        standard_code=standard.code,
        since=data.last_good_calibration,
        action=data.action,
        stamps=affected,
        revoked=revoked,
        instruments_due=len(recalled),
    )


def _affected(stamp: Stamp, before: StampStatus) -> AffectedStamp:
    assert stamp.id is not None
    return AffectedStamp(
        stamp_id=stamp.id,
        serial=stamp.serial,
        instrument_id=stamp.instrument_id,
        verification_id=stamp.verification_id,
        status_before=before,
        status=StampStatus(stamp.status),
    )
