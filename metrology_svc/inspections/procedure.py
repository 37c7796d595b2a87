"""The inspection's procedure: its decision and party, its team, its measures, and closing.

Circular 28/2013/TT-BKHCN: an inspection runs under a decision (number from the register, QĐ)
naming the team, whose leader holds the state-inspection certificate; it ends in minutes both
sides sign and a result notice. The caller (router) commits.
"""

from datetime import date

from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Invalid
from metrology_svc.core.issuer import IssuingBody, commune_body, place_of, province_body
from metrology_svc.documents.service import number_for
from metrology_svc.inspections.models import (
    Inspection,
    InspectionDecision,
    InspectionMeasure,
    InspectionMember,
    MeasureKind,
    MemberRole,
    PartyKind,
)
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import DecisionIn, MeasureIn, TeamIn
from metrology_svc.inspections.service import Placed, get_inspection
from metrology_svc.instruments.lifecycle import Finding, apply_change
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.service import record_event
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel

DECISION_TYPE = "QĐ"
# Cited when the decision gives no legal basis of its own.
DEFAULT_BASES = (
    "Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011 của Quốc hội",
    "Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013 của Bộ trưởng Bộ Khoa học và Công "
    "nghệ quy định kiểm tra nhà nước về đo lường, được sửa đổi, bổ sung năm 2022",
)


def issuing_body(
    session: Session, unit: AdminUnit, *, level: str, settings: Settings
) -> IssuingBody:
    """Return the body that issues an inspection's papers: the province's department, or the
    people's committee of the site's commune."""
    province: AdminUnit | None = unit
    while province is not None and province.level != UnitLevel.PROVINCE:
        province = session.get(AdminUnit, province.parent_id) if province.parent_id else None
    here = place_of(unit.division_type, unit.name)
    above = place_of(province.division_type, province.name) if province else here
    if level == "commune" and unit.level == UnitLevel.COMMUNE:
        return commune_body(settings, here, above)
    return province_body(settings, above)


def _open_for_writing(session: Session, user: Principal, inspection_id: int) -> Placed:
    placed = get_inspection(session, user, inspection_id)
    user.require_write(placed[2].path)
    if placed[0].closed_at is not None:
        raise Conflict(
            f"Inspection {inspection_id} is closed.",
            message_vi=f"Cuộc kiểm tra {inspection_id} đã kết thúc.",
        )
    return placed


def _bad(en: str, vi: str, *loc: str) -> Invalid:
    return Invalid(en, message_vi=vi, loc=["body", *loc])


def _party(session: Session, inspection: Inspection, data: DecisionIn) -> tuple[str, str]:
    """Return the party's name and address, checking the owner uses the site."""
    if data.party_kind is PartyKind.ORGANISATION:
        if len(data.organisation_name.strip()) < 2:
            raise _bad(
                "Name the organisation inspected.",
                "Nhập tên tổ chức được kiểm tra.",
                "organisation_name",
            )
        return data.organisation_name.strip(), data.party_address.strip()
    owner = session.get(Owner, data.owner_id) if data.owner_id is not None else None
    if owner is None or owner.id is None:
        raise _bad(
            "Give the owner inspected.", "Chọn chủ phương tiện đo được kiểm tra.", "owner_id"
        )
    if not InspectionRepository(session).owner_uses_site(owner.id, inspection.site_id):
        raise _bad(
            f"Owner {owner.id} has no instrument at the inspected site.",
            f"Chủ {owner.id} không có phương tiện đo tại địa điểm được kiểm tra.",
            "owner_id",
        )
    return owner.name, data.party_address.strip() or owner.address


def _check_dates(inspection: Inspection, data: DecisionIn, today: date) -> None:
    if data.decided_on > today:
        raise _bad(
            "The decision date lies in the future.", "Ngày quyết định ở tương lai.", "decided_on"
        )
    if data.inspect_to < data.inspect_from:
        raise _bad(
            "The inspection period ends before it starts.",
            "Thời gian kiểm tra kết thúc trước khi bắt đầu.",
            "inspect_to",
        )
    if data.decided_on > data.inspect_from:
        raise _bad(
            "The inspection period starts before the decision.",
            "Thời gian kiểm tra bắt đầu trước ngày ra quyết định.",
            "inspect_from",
        )
    if not data.inspect_from <= inspection.inspected_on <= data.inspect_to:
        raise _bad(
            "The inspection day lies outside the decision's period.",
            "Ngày kiểm tra nằm ngoài thời gian ghi trong quyết định.",
            "inspect_from",
        )


def record_decision(
    session: Session,
    user: Principal,
    inspection_id: int,
    data: DecisionIn,
    *,
    settings: Settings,
    today: date,
) -> InspectionDecision:
    """Record (or correct) the decision; its number comes from the register once."""
    inspection, _site, unit = _open_for_writing(session, user, inspection_id)
    _check_dates(inspection, data, today)
    name, address = _party(session, inspection, data)
    body = issuing_body(session, unit, level=data.issuer_level, settings=settings)
    number = number_for(
        session,
        ref=f"inspection:{inspection_id}",
        issuer_code=body.name,
        year=data.decided_on.year,
        doc_type=DECISION_TYPE,
    )
    bases = [b.strip() for b in data.legal_bases if b.strip()] or list(DEFAULT_BASES)
    fields = {
        **data.model_dump(exclude={"organisation_name", "legal_bases"}),
        "number": number,
        "number_text": f"Số: {number}/{DECISION_TYPE}-{body.symbol}",
        "issuing_body": body.name,
        "legal_bases": bases,
        "party_name": name,
        "party_address": address,
        "owner_id": data.owner_id if data.party_kind is PartyKind.OWNER else None,
    }
    repo = InspectionRepository(session)
    decision = repo.decision(inspection_id)
    if decision is None:
        made_by = user.user_id if user.user_id > 0 else None
        decision = InspectionDecision(
            inspection_id=inspection_id, created_by_user_id=made_by, **fields
        )
    else:
        for key, value in fields.items():
            setattr(decision, key, value)
    repo.add(decision)
    audit(
        session,
        actor=user,
        action="inspection.decision",
        entity="inspection_decision",
        entity_id=decision.id,
        detail={"inspection_id": inspection_id, **fields},
    )
    return decision


def set_team(
    session: Session, user: Principal, inspection_id: int, data: TeamIn
) -> list[InspectionMember]:
    """Put the team in place: one leader with a certificate, cooperating agencies named."""
    _open_for_writing(session, user, inspection_id)
    leaders = [i for i, m in enumerate(data.members) if m.role is MemberRole.LEADER]
    if len(leaders) != 1:
        raise _bad(
            "The team needs exactly one leader.",
            "Đoàn kiểm tra phải có đúng một trưởng đoàn.",
            "members",
        )
    leader = data.members[leaders[0]]
    if not (leader.certificate_no or "").strip():
        raise _bad(
            "The leader must hold a state-inspection certificate: give its number.",
            "Trưởng đoàn phải có thẻ kiểm tra viên đo lường: nhập số thẻ.",
            "members",
            str(leaders[0]),
            "certificate_no",
        )
    for i, m in enumerate(data.members):
        if m.role is MemberRole.COOPERATING and len(m.agency.strip()) < 2:
            raise _bad(
                "A cooperating member needs the agency they come from.",
                "Thành viên phối hợp phải ghi cơ quan phối hợp.",
                "members",
                str(i),
                "agency",
            )
    members = [
        InspectionMember(inspection_id=inspection_id, position_no=i + 1, **m.model_dump())
        for i, m in enumerate(data.members)
    ]
    InspectionRepository(session).replace_team(inspection_id, members)
    team = [m.model_dump() for m in data.members]
    audit(
        session,
        actor=user,
        action="inspection.team",
        entity="inspection",
        entity_id=inspection_id,
        detail={"members": team},
    )
    return members


def _check_measure(data: MeasureIn, inspection: Inspection) -> None:
    if data.kind is MeasureKind.SEALING and not [s for s in data.seal_numbers if s.strip()]:
        raise _bad(
            "Sealing needs the seal numbers.", "Niêm phong phải ghi số niêm phong.", "seal_numbers"
        )
    if data.kind in (MeasureKind.SEALING, MeasureKind.SUSPENSION) and data.instrument_id is None:
        raise _bad(
            "Name the instrument this measure applies to.",
            "Chọn phương tiện đo áp dụng biện pháp.",
            "instrument_id",
        )
    if data.kind is MeasureKind.VERIFICATION_REQUEST:
        if data.instrument_id is None:
            raise _bad(
                "Name the instrument to be verified.",
                "Chọn phương tiện đo phải kiểm định.",
                "instrument_id",
            )
        if data.deadline is None or data.deadline < inspection.inspected_on:
            raise _bad(
                "A verification request needs a deadline on or after the inspection day.",
                "Yêu cầu kiểm định phải có thời hạn từ ngày kiểm tra trở đi.",
                "deadline",
            )
    if data.kind is MeasureKind.VIOLATION_PROPOSAL and len(data.note.strip()) < 2:
        raise _bad(
            "Describe the violation proposed.", "Mô tả hành vi vi phạm đề nghị xử lý.", "note"
        )


def _instrument_at_site(session: Session, inspection: Inspection, iid: int) -> Instrument:
    instrument = session.get(Instrument, iid)
    if instrument is None or instrument.site_id != inspection.site_id:
        raise _bad(
            f"Instrument {iid} is not at the inspected site.",
            f"Phương tiện đo {iid} không ở địa điểm được kiểm tra.",
            "instrument_id",
        )
    return instrument


def suspend(
    session: Session,
    user: Principal,
    instrument: Instrument,
    *,
    settings: Settings,
    today: date,
    detail: dict[str, object],
) -> str:
    """Suspend an instrument from use (never softening a worse status); record the event."""
    assert instrument.id is not None
    outcome = apply_change(
        instrument,
        Finding(InstrumentStatus.SUSPENDED),
        today=today,
        due_soon_days=settings.due_soon_days,
    )
    record_event(
        session,
        instrument_id=instrument.id,
        kind="inspection_measure",
        actor=user,
        detail={**detail, "from": str(outcome.status_before), "to": str(outcome.status_after)},
    )
    return str(outcome.status_after)


def measure_entry(measure: InspectionMeasure) -> Entry:
    """Return the audit entry of a new measure (what it is, on what, with what effect)."""
    detail = measure.model_dump(
        include={
            "inspection_id",
            "kind",
            "instrument_id",
            "seal_numbers",
            "deadline",
            "after_repair",
            "note",
            "status_after",
            "client_uuid",
        }
    )
    return Entry("inspection.measure", "inspection_measure", measure.id, detail)


def add_measure(
    session: Session,
    user: Principal,
    inspection_id: int,
    data: MeasureIn,
    *,
    settings: Settings,
    today: date,
) -> tuple[InspectionMeasure, bool]:
    """Record a measure once per UUID (a resend returns the stored one) and audit a new one.

    Sealing and suspension take the instrument out of use. Return the measure and whether it
    is new.
    """
    measure, created = store_measure(
        session, user, inspection_id, data, settings=settings, today=today
    )
    if created:
        audit_many(session, actor=user, entries=[measure_entry(measure)])
    return measure, created


def store_measure(
    session: Session,
    user: Principal,
    inspection_id: int,
    data: MeasureIn,
    *,
    settings: Settings,
    today: date,
) -> tuple[InspectionMeasure, bool]:
    """Record a measure as add_measure does, without its audit record (a batch audits all at
    once with measure_entry); return the measure and whether it is new."""
    repo = InspectionRepository(session)
    # Scope first: a resend is answered only to whoever may write the inspection.
    placed = get_inspection(session, user, inspection_id)
    user.require_write(placed[2].path)
    if data.client_uuid is not None:
        found = repo.measure_by_uuid(str(data.client_uuid))
        if found is not None:
            if found.inspection_id != inspection_id:
                raise Conflict(
                    "This UUID belongs to a measure of another inspection.",
                    message_vi="Mã UUID này thuộc biện pháp của cuộc kiểm tra khác.",
                    loc=["body", "client_uuid"],
                )
            return found, False
    inspection = _open_for_writing(session, user, inspection_id)[0]
    _check_measure(data, inspection)
    instrument = None
    if data.instrument_id is not None:
        instrument = _instrument_at_site(session, inspection, data.instrument_id)
    measure = InspectionMeasure(
        **data.model_dump(exclude={"client_uuid", "seal_numbers"}),
        client_uuid=str(data.client_uuid) if data.client_uuid else None,
        seal_numbers=[s.strip() for s in data.seal_numbers if s.strip()],
        inspection_id=inspection_id,
        recorded_by_user_id=user.user_id if user.user_id > 0 else None,
    )
    repo.add(measure)
    if instrument is not None and data.kind in (MeasureKind.SEALING, MeasureKind.SUSPENSION):
        detail: dict[str, object] = {
            "inspection_id": inspection_id,
            "measure_id": measure.id,
            "measure": str(data.kind),
        }
        measure.status_after = suspend(
            session, user, instrument, settings=settings, today=today, detail=detail
        )
        session.flush()
    return measure, True
