"""Record a verification: judge plausibility, points and completeness; only a pass moves dates."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.instrument_types.models import InstrumentType, TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.lifecycle import Outcome, Result, Verified, apply_change
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.instruments.service import get_instrument, record_event
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError, Ruled, add_months
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.stamps.service import issue_for_verification
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.standards.repository import StandardRepository
from metrology_svc.verifications.judging import Judgement, judge, judge_points, missing_entry
from metrology_svc.verifications.models import (
    Verification,
    VerificationKind,
    VerificationPoint,
    VerificationResult,
    VerificationStandard,
)
from metrology_svc.verifications.repository import VerificationRepository
from metrology_svc.verifications.schemas import PointPublic, VerificationCreate, VerificationPublic

__all__ = ["get_verification", "judge_points", "record_verification", "to_public"]

RESULTS: dict[VerificationResult, Result] = {
    VerificationResult.PASS: "pass",
    VerificationResult.FAIL: "fail",
    VerificationResult.INCOMPLETE: "incomplete",
    VerificationResult.RECORDED: "recorded",
}


@dataclass(frozen=True, slots=True)
class _Judged:
    judgement: Judgement
    due: date | None = None
    cycle: Ruled[int] | None = None

    @property
    def result(self) -> VerificationResult:
        return self.judgement.result


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
    judgement = judge(
        category=TypeCategory(kind.category),
        instrument=instrument,
        points=data.points,
        rulebook=book,
        on=data.verified_on,
    )
    if judgement.result is not VerificationResult.PASS:
        return _Judged(judgement)
    return _Judged(judgement, add_months(data.verified_on, cycle.value), cycle)


def _check_request(instrument: Instrument, data: VerificationCreate, *, today: date) -> None:
    if instrument.status == InstrumentStatus.RETIRED:
        raise Invalid(
            "A retired instrument cannot be verified.",
            message_vi="Phương tiện đo đã ngừng sử dụng.",
            loc=["path", "instrument_id"],
        )
    if data.kind is VerificationKind.IMPORTED:
        raise Invalid(
            "An imported record comes from an import of an office's list, not from test points.",
            message_vi="Bản ghi nhập chỉ đến từ việc nhập danh sách, không nhập điểm kiểm.",
            loc=["body", "kind"],
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


def _unit_of_site(session: Session, site_id: int) -> int | None:
    site = session.get(Site, site_id)
    return site.unit_id if site else None


def _store(
    session: Session, user: Principal, instrument: Instrument, data: VerificationCreate, j: _Judged
) -> Verification:
    cycle_ref = j.cycle.ref if j.cycle else None
    loads_ref = j.judgement.loads_rule
    assert instrument.id is not None
    verification = Verification(
        instrument_id=instrument.id,
        # The unit the record is made under: kept when the site later moves (rehoming).
        unit_id=_unit_of_site(session, instrument.site_id),
        kind=data.kind,
        verified_on=data.verified_on,
        verifier=data.verifier,
        procedure=data.procedure,
        certificate_no=data.certificate_no,
        notes=data.notes,
        result=j.result,
        cycle_months=j.cycle.value if j.cycle else None,
        valid_until=j.due,
        cycle_rule_id=cycle_ref.table_id if cycle_ref else None,
        cycle_rule=cycle_ref.label if cycle_ref else None,
        loads_rule_id=loads_ref.table_id if loads_ref else None,
        loads_rule=loads_ref.label if loads_ref else None,
        missing_loads=[missing_entry(b) for b in j.judgement.missing] or None,
        # Principal id 0 is the command line's system principal: no account to point at.
        created_by_user_id=user.user_id if user.user_id > 0 else None,
    )
    VerificationRepository(session).add(verification)
    assert verification.id is not None
    for seq, p in enumerate(j.judgement.points, start=1):
        session.add(
            VerificationPoint(
                verification_id=verification.id,
                seq=seq,
                unit=j.judgement.unit,
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
    points = judged.judgement.points
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
            # The values themselves, so the hashed record holds what the judgement saw.
            "unit": judged.judgement.unit,
            "points": [
                {
                    "reference": float(p.reference),
                    "indicated": float(p.indicated),
                    "error": float(p.error),
                    "mpe": float(p.mpe),
                    "passed": p.passed,
                }
                for p in points
            ],
            "instrument_status": instrument.status,
            "due_date": instrument.due_date,
            "cycle_rule": verification.cycle_rule,
            "mpe_rules": sorted({p.rule.label for p in points if p.rule}),
            "loads_rule": verification.loads_rule,
            "missing_loads": [m["label"] for m in verification.missing_loads or []],
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
    verification = _store(session, user, instrument, data, judged)
    assert verification.id is not None
    for standard in standards:
        assert standard.id is not None
        session.add(VerificationStandard(verification_id=verification.id, standard_id=standard.id))
    apply_to_instrument(
        session, user, instrument, verification, today=today, due_soon_days=settings.due_soon_days
    )
    issue_for_verification(
        session, verification=verification, instrument=instrument, settings=settings, actor=user
    )
    _audit(session, user, verification, instrument, judged)
    session.flush()
    return to_public(session, verification)


def apply_to_instrument(
    session: Session,
    user: Principal,
    instrument: Instrument,
    verification: Verification,
    *,
    today: date,
    due_soon_days: int,
    event: str = "verified",
    detail: dict[str, Any] | None = None,
) -> Outcome:
    """Let the verification change the instrument (instruments.lifecycle) and log the event."""
    assert instrument.id is not None
    assert verification.id is not None
    latest = VerificationRepository(session).latest_on(instrument.id, exclude_id=verification.id)
    change = Verified(
        result=RESULTS[verification.result],
        verified_on=verification.verified_on,
        valid_until=verification.valid_until,
        latest_on=latest,
    )
    outcome = apply_change(instrument, change, today=today, due_soon_days=due_soon_days)
    record_event(
        session,
        instrument_id=instrument.id,
        kind=event,
        actor=user,
        detail={
            "verification_id": verification.id,
            "result": str(verification.result),
            "verified_on": verification.verified_on.isoformat(),
            "outcome": outcome.outcome,
            "valid_until": verification.valid_until.isoformat()
            if verification.valid_until
            else None,
            **(detail or {}),
        },
    )
    return outcome


def to_public(session: Session, verification: Verification) -> VerificationPublic:
    """Return the API shape of a verification with points and standards."""
    repo = VerificationRepository(session)
    assert verification.id is not None
    return VerificationPublic.model_validate(
        {
            **verification.model_dump(),
            "missing_loads": verification.missing_loads or [],
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
