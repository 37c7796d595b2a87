"""Record a verification: judge every point, then move the due date only after a pass."""

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.instruments.rules import status_for_due
from metrology_svc.instruments.service import get_instrument, record_event
from metrology_svc.reference_data import r76_bands
from metrology_svc.settings import Settings
from metrology_svc.stamps.service import issue_for_verification
from metrology_svc.standards.repository import StandardRepository
from metrology_svc.verifications import rules
from metrology_svc.verifications.models import (
    Verification,
    VerificationPoint,
    VerificationResult,
    VerificationStandard,
)
from metrology_svc.verifications.repository import VerificationRepository
from metrology_svc.verifications.schemas import (
    PointIn,
    PointPublic,
    VerificationCreate,
    VerificationPublic,
)


def _dec(value: float) -> Decimal:
    # repr() gives the shortest decimal that round-trips, so 0.1 stays 0.1.
    return Decimal(repr(value))


def judge_points(
    *,
    category: TypeCategory,
    instrument: Instrument,
    points: list[PointIn],
    settings: Settings,
) -> tuple[str, list[rules.PointResult]]:
    """Return the unit and the judged points for an instrument of the category."""
    judged: list[rules.PointResult] = []
    for i, point in enumerate(points):
        ref, ind = _dec(point.reference), _dec(point.indicated)
        if category is TypeCategory.SCALE:
            if instrument.e_g is None or not instrument.accuracy_class:
                raise Invalid(
                    "A scale needs its accuracy class and e before it can be verified.",
                    message_vi="Cần cấp chính xác và giá trị độ chia kiểm e của cân.",
                    loc=["instrument", "e_g"],
                )
            try:
                mpe = rules.scale_mpe(
                    load=ref,
                    e=_dec(instrument.e_g),
                    accuracy_class=instrument.accuracy_class,
                    bands=r76_bands(),
                )
            except rules.NoRuleError as exc:
                raise Invalid(
                    f"No MPE rule: {exc}.",
                    message_vi="Không có quy tắc sai số.",
                    loc=["body", "points", i],
                ) from exc
        elif category is TypeCategory.DISPENSER:
            if ref <= 0:
                raise Invalid(
                    "A dispenser test volume must be above zero.",
                    message_vi="Thể tích thử phải lớn hơn 0.",
                    loc=["body", "points", i, "reference"],
                )
            mpe = rules.dispenser_mpe(volume=ref, percent=_dec(settings.dispenser_mpe_percent))
        elif point.mpe is not None:
            mpe = _dec(point.mpe)
        else:
            raise Invalid(
                "This type has no built-in MPE rule: give mpe for each point.",
                message_vi="Loại này chưa có quy tắc sai số: nhập mpe cho từng điểm.",
                loc=["body", "points", i, "mpe"],
            )
        judged.append(rules.judge_point(reference=ref, indicated=ind, mpe=mpe))
    unit = {TypeCategory.SCALE: "g", TypeCategory.DISPENSER: "mL"}.get(category, "")
    return unit, judged


def record_verification(
    session: Session,
    user: Principal,
    instrument_id: int,
    data: VerificationCreate,
    *,
    settings: Settings,
    today: date,
) -> VerificationPublic:
    """Judge and store a verification, then update the instrument; the caller commits."""
    instrument = get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    if instrument.status == InstrumentStatus.RETIRED:
        raise Invalid(
            "A retired instrument cannot be verified.",
            message_vi="Phương tiện đo đã ngừng sử dụng.",
            loc=["path", "instrument_id"],
        )
    if data.verified_on > today:
        raise Invalid(
            "The verification date lies in the future.",
            message_vi="Ngày kiểm định ở tương lai.",
            loc=["body", "verified_on"],
        )
    types = TypeRepository(session)
    kind = types.get(instrument.type_code)
    assert kind is not None
    unit, judged = judge_points(
        category=TypeCategory(kind.category),
        instrument=instrument,
        points=data.points,
        settings=settings,
    )
    standards = StandardRepository(session).by_codes(data.standard_codes)
    missing = sorted(set(data.standard_codes) - {s.code for s in standards})
    if missing:
        raise Invalid(
            f"Unknown reference standards: {', '.join(missing)}.",
            message_vi=f"Không có chuẩn đo lường: {', '.join(missing)}.",
            loc=["body", "standard_codes"],
        )
    passed = rules.all_passed(judged)
    due, cycle = (None, None)
    if passed:
        try:
            due, cycle = rules.valid_until(
                verified_on=data.verified_on, cycles=types.cycle_rows(instrument.type_code)
            )
        except rules.NoRuleError as exc:
            raise Invalid(
                str(exc),
                message_vi="Không có chu kỳ kiểm định áp dụng cho ngày này.",
                loc=["body", "verified_on"],
            ) from exc
    repo = VerificationRepository(session)
    verification = Verification(
        instrument_id=instrument_id,
        kind=data.kind,
        verified_on=data.verified_on,
        verifier=data.verifier,
        procedure=data.procedure,
        certificate_no=data.certificate_no,
        notes=data.notes,
        result=VerificationResult.PASS if passed else VerificationResult.FAIL,
        cycle_months=cycle,
        valid_until=due,
        created_by_user_id=user.user_id,
    )
    repo.add(verification)
    assert verification.id is not None
    for seq, p in enumerate(judged, start=1):
        session.add(
            VerificationPoint(
                verification_id=verification.id,
                seq=seq,
                unit=unit,
                reference=float(p.reference),
                indicated=float(p.indicated),
                error=float(p.error),
                mpe=float(p.mpe),
                passed=p.passed,
            )
        )
    for standard in standards:
        assert standard.id is not None
        session.add(VerificationStandard(verification_id=verification.id, standard_id=standard.id))
    _apply_to_instrument(
        session, user, instrument, verification, today=today, due_soon_days=settings.due_soon_days
    )
    issue_for_verification(
        session, verification=verification, instrument=instrument, settings=settings, actor=user
    )
    audit(
        session,
        actor=user,
        action="verification.record",
        entity="verification",
        entity_id=verification.id,
        detail={
            "instrument_id": instrument_id,
            "result": verification.result,
            "verified_on": verification.verified_on,
            "valid_until": verification.valid_until,
            "points": len(judged),
            "instrument_status": instrument.status,
            "due_date": instrument.due_date,
        },
    )
    session.flush()
    return to_public(session, verification)


def _apply_to_instrument(
    session: Session,
    user: Principal,
    instrument: Instrument,
    verification: Verification,
    *,
    today: date,
    due_soon_days: int,
) -> None:
    # A back-dated entry older than the last pass is history only: it moves nothing.
    latest = instrument.last_verified_on
    if latest is not None and verification.verified_on < latest:
        outcome = "history_only"
    elif verification.result == VerificationResult.PASS:
        instrument.last_verified_on = verification.verified_on
        instrument.due_date = verification.valid_until
        instrument.status = status_for_due(
            due_date=verification.valid_until, today=today, due_soon_days=due_soon_days
        )
        outcome = "due_date_moved"
    else:
        instrument.status = InstrumentStatus.FAILED
        outcome = "marked_failed"
    assert instrument.id is not None
    record_event(
        session,
        instrument_id=instrument.id,
        kind="verified",
        actor=user,
        detail={
            "verification_id": verification.id,
            "result": str(verification.result),
            "verified_on": verification.verified_on.isoformat(),
            "outcome": outcome,
            "valid_until": verification.valid_until.isoformat()
            if verification.valid_until
            else None,
        },
    )


def to_public(session: Session, verification: Verification) -> VerificationPublic:
    """Return the API shape of a verification with points and standards."""
    repo = VerificationRepository(session)
    assert verification.id is not None
    return VerificationPublic.model_validate(
        {
            **verification.model_dump(),
            "points": [
                PointPublic.model_validate(p, from_attributes=True)
                for p in repo.points(verification.id)
            ],
            "standard_codes": repo.standard_codes(verification.id),
        }
    )


def get_verification(session: Session, user: Principal, verification_id: int) -> Verification:
    """Return a verification the user may see."""
    verification = VerificationRepository(session).get(verification_id)
    if verification is None:
        raise NotFound(
            f"No verification {verification_id}.",
            message_vi=f"Không có lần kiểm định {verification_id}.",
        )
    get_instrument(session, user, verification.instrument_id)
    return verification
