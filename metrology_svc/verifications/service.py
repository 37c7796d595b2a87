"""Record a verification: judge every point, then move the due date only after a pass."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core import clock
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.instrument_types.models import InstrumentType, TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.instruments.rules import status_for_due
from metrology_svc.instruments.service import get_instrument, record_event
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import (
    NoRuleError,
    PointResult,
    Ruled,
    RuleRef,
    add_months,
    all_passed,
    judge_point,
)
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.rulebook.shipped import shipped_rulebook
from metrology_svc.settings import Settings
from metrology_svc.stamps.service import issue_for_verification
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.standards.repository import StandardRepository
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


def _point_mpe(
    book: Rulebook,
    *,
    category: TypeCategory,
    instrument: Instrument,
    point: PointIn,
    on: date,
    index: int,
) -> tuple[Decimal, RuleRef | None]:
    ref = _dec(point.reference)
    if category is TypeCategory.SCALE:
        if instrument.e_g is None or not instrument.accuracy_class:
            raise Invalid(
                "A scale needs its accuracy class and e before it can be verified.",
                message_vi="Cần cấp chính xác và giá trị độ chia kiểm e của cân.",
                loc=["instrument", "e_g"],
            )
        e = _dec(instrument.e_g)
        ruled = book.scale_mpe(on=on, accuracy_class=instrument.accuracy_class, e=e, load=ref)
        return ruled.value, ruled.ref
    if category is TypeCategory.DISPENSER:
        if ref <= 0:
            raise Invalid(
                "A dispenser test volume must be above zero.",
                message_vi="Thể tích thử phải lớn hơn 0.",
                loc=["body", "points", index, "reference"],
            )
        ruled = book.dispenser_mpe(on=on, type_code=instrument.type_code, volume=ref)
        return ruled.value, ruled.ref
    if point.mpe is not None:
        return _dec(point.mpe), None
    raise Invalid(
        "This type has no built-in MPE rule: give mpe for each point.",
        message_vi="Loại này chưa có quy tắc sai số: nhập mpe cho từng điểm.",
        loc=["body", "points", index, "mpe"],
    )


def judge_points(
    *,
    category: TypeCategory,
    instrument: Instrument,
    points: list[PointIn],
    rulebook: Rulebook | None = None,
    on: date | None = None,
    settings: Settings | None = None,  # no longer used: the MPEs come from the rulebook
) -> tuple[str, list[PointResult]]:
    """Return the unit and the points judged by the rulebook in force on the date.

    Without a rulebook the shipped tables judge (a preview); without a date, today.
    """
    book = rulebook or shipped_rulebook()
    day = on or clock.today()
    judged: list[PointResult] = []
    for i, point in enumerate(points):
        try:
            mpe, rule = _point_mpe(
                book, category=category, instrument=instrument, point=point, on=day, index=i
            )
        except NoRuleError as exc:
            raise Invalid(
                f"Point {i + 1}: no MPE rule: {exc}.",
                message_vi=f"Điểm {i + 1}: không có quy tắc sai số: {exc.vi}.",
                loc=["body", "points", i],
            ) from exc
        ref, ind = _dec(point.reference), _dec(point.indicated)
        judged.append(judge_point(reference=ref, indicated=ind, mpe=mpe, rule=rule))
    unit = {TypeCategory.SCALE: "g", TypeCategory.DISPENSER: "mL"}.get(category, "")
    return unit, judged


@dataclass(frozen=True, slots=True)
class _Judged:
    unit: str
    points: list[PointResult]
    passed: bool
    due: date | None = None
    cycle: Ruled[int] | None = None


def _cycle(book: Rulebook, kind: InstrumentType, on: date) -> Ruled[int]:
    try:
        return book.cycle(type_code=kind.code, on=on)
    except NoRuleError as exc:
        raise Invalid(
            f"No verification cycle for a {kind.name_en} ({kind.code}) verified on "
            f"{on:%d/%m/%Y}: {exc}.",
            message_vi=f"Không có chu kỳ kiểm định cho {kind.name_vi} ({kind.code}) kiểm định "
            f"ngày {on:%d/%m/%Y}: {exc.vi}.",
            loc=["body", "verified_on"],
        ) from exc


def _judge(
    session: Session, instrument: Instrument, data: VerificationCreate, book: Rulebook
) -> _Judged:
    kind = TypeRepository(session).get(instrument.type_code)
    assert kind is not None
    # A date no cycle covers (before the first rule) is refused first, naming type and date.
    cycle = _cycle(book, kind, data.verified_on)
    unit, judged = judge_points(
        category=TypeCategory(kind.category),
        instrument=instrument,
        points=data.points,
        rulebook=book,
        on=data.verified_on,
    )
    if not all_passed(judged):
        return _Judged(unit, judged, False)
    due = add_months(data.verified_on, cycle.value)
    return _Judged(unit, judged, True, due, cycle)


def _check_request(instrument: Instrument, data: VerificationCreate, *, today: date) -> None:
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


def _standards(session: Session, codes: list[str]) -> list[ReferenceStandard]:
    standards = StandardRepository(session).by_codes(codes)
    missing = sorted(set(codes) - {s.code for s in standards})
    if missing:
        raise Invalid(
            f"Unknown reference standards: {', '.join(missing)}.",
            message_vi=f"Không có chuẩn đo lường: {', '.join(missing)}.",
            loc=["body", "standard_codes"],
        )
    return standards


def _store(
    session: Session, user: Principal, instrument_id: int, data: VerificationCreate, j: _Judged
) -> Verification:
    cycle_ref = j.cycle.ref if j.cycle else None
    verification = Verification(
        instrument_id=instrument_id,
        kind=data.kind,
        verified_on=data.verified_on,
        verifier=data.verifier,
        procedure=data.procedure,
        certificate_no=data.certificate_no,
        notes=data.notes,
        result=VerificationResult.PASS if j.passed else VerificationResult.FAIL,
        cycle_months=j.cycle.value if j.cycle else None,
        valid_until=j.due,
        cycle_rule_id=cycle_ref.table_id if cycle_ref else None,
        cycle_rule=cycle_ref.label if cycle_ref else None,
        created_by_user_id=user.user_id,
    )
    VerificationRepository(session).add(verification)
    assert verification.id is not None
    for seq, p in enumerate(j.points, start=1):
        session.add(
            VerificationPoint(
                verification_id=verification.id,
                seq=seq,
                unit=j.unit,
                reference=float(p.reference),
                indicated=float(p.indicated),
                error=float(p.error),
                mpe=float(p.mpe),
                passed=p.passed,
                mpe_rule_id=p.rule.table_id if p.rule else None,
                mpe_rule=p.rule.label if p.rule else None,
            )
        )
    return verification


def _audit(
    session: Session,
    user: Principal,
    verification: Verification,
    instrument: Instrument,
    judged: _Judged,
) -> None:
    audit(
        session,
        actor=user,
        action="verification.record",
        entity="verification",
        entity_id=verification.id,
        detail={
            "instrument_id": instrument.id,
            "result": verification.result,
            "verified_on": verification.verified_on,
            "valid_until": verification.valid_until,
            "points": len(judged.points),
            "instrument_status": instrument.status,
            "due_date": instrument.due_date,
            "cycle_rule": verification.cycle_rule,
            "mpe_rules": sorted({p.rule.label for p in judged.points if p.rule}),
        },
    )


def record_verification(
    session: Session,
    user: Principal,
    instrument_id: int,
    data: VerificationCreate,
    *,
    settings: Settings,
    today: date,
) -> VerificationPublic:
    """Judge by the rulebook, store with the rules used, update the instrument; no commit."""
    instrument = get_instrument(session, user, instrument_id)
    user.require_write(InstrumentRepository(session).unit_path_of(instrument_id))
    _check_request(instrument, data, today=today)
    judged = _judge(session, instrument, data, load_rulebook(session))
    standards = _standards(session, data.standard_codes)
    verification = _store(session, user, instrument_id, data, judged)
    assert verification.id is not None
    for standard in standards:
        assert standard.id is not None
        session.add(VerificationStandard(verification_id=verification.id, standard_id=standard.id))
    _apply_to_instrument(
        session, user, instrument, verification, today=today, due_soon_days=settings.due_soon_days
    )
    issue_for_verification(
        session, verification=verification, instrument=instrument, settings=settings, actor=user
    )
    _audit(session, user, verification, instrument, judged)
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
