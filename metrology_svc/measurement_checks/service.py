"""Measurement checks with a database: record one at an open inspection, judged; list them.

Nothing here commits: the request owns the unit of work.
"""

from decimal import Decimal

from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.inspections.models import Inspection
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instruments.models import Instrument
from metrology_svc.measurement_checks.models import UNITS, CheckKind, MeasurementCheck
from metrology_svc.measurement_checks.repository import MeasurementCheckRepository
from metrology_svc.measurement_checks.rules import CheckInput, Judgement, judge
from metrology_svc.measurement_checks.schemas import MeasurementCheckCreate, MeasurementCheckPublic
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import num
from metrology_svc.rulebook.service import load_rulebook

# Plausibility bounds (not legal numbers): beyond them a figure is a typing or unit mistake.
LIMITS: dict[CheckKind, tuple[Decimal, str, str]] = {
    CheckKind.RETAIL_WEIGHING: (Decimal(200_000), "g", "200 kg"),
    CheckKind.PETROL_DELIVERY: (Decimal(10_000), "L", "10 000 L"),
    CheckKind.GOLD_MEASUREMENT: (Decimal(100_000), "g", "100 kg"),
}
MAX_SCALE_G = Decimal(1_000_000)
CATEGORY = {
    CheckKind.RETAIL_WEIGHING: TypeCategory.SCALE,
    CheckKind.PETROL_DELIVERY: TypeCategory.DISPENSER,
    CheckKind.GOLD_MEASUREMENT: TypeCategory.SCALE,
}
KIND_VI = {
    CheckKind.RETAIL_WEIGHING: "cân hàng bán lẻ",
    CheckKind.PETROL_DELIVERY: "đong xăng dầu",
    CheckKind.GOLD_MEASUREMENT: "cân vàng",
}


def writable_inspection(session: Session, user: Principal, inspection_id: int) -> Inspection:
    """Return the inspection if the user may write in its unit (404 unknown, 403 outside)."""
    found = MeasurementCheckRepository(session).inspection_place(inspection_id)
    if found is None:
        raise NotFound(
            f"No inspection {inspection_id}.",
            message_vi=f"Không có cuộc kiểm tra {inspection_id}.",
            loc=["path", "inspection_id"],
        )
    inspection, unit = found
    user.require_write(unit.path)
    return inspection


def _require_open(inspection: Inspection) -> None:
    if inspection.closed_at is not None:
        raise Conflict(
            f"Inspection {inspection.id} is closed: a new check needs a new inspection.",
            message_vi=f"Cuộc kiểm tra {inspection.id} đã kết thúc: cần mở cuộc kiểm tra mới.",
        )


def _bounds(data: MeasurementCheckCreate) -> None:
    top, unit, shown = LIMITS[data.kind]
    for name in ("declared", "measured"):
        value: Decimal = getattr(data, name)
        if value > top:
            raise Invalid(
                f"{name} = {num(value)} {unit} is beyond what a {data.kind.value} check "
                f"measures (at most {shown}): check the unit.",
                message_vi=f"{name} = {num(value)} {unit} vượt quá mức của phép "
                f"{KIND_VI[data.kind]} (tối đa {shown}): kiểm tra lại đơn vị.",
                loc=["body", name],
            )
    if data.scale_max_g is not None and data.scale_max_g > MAX_SCALE_G:
        raise Invalid(
            "The scale's Max is beyond 1 t: check the unit (grams).",
            message_vi="Max của cân vượt quá 1 tấn: kiểm tra lại đơn vị (gam).",
            loc=["body", "scale_max_g"],
        )
    if data.kind is CheckKind.RETAIL_WEIGHING and not data.goods.strip():
        raise Invalid(
            "A retail weighing names the goods.",
            message_vi="Phép cân hàng bán lẻ phải ghi tên hàng hóa.",
            loc=["body", "goods"],
        )


def _instrument(
    session: Session, data: MeasurementCheckCreate, inspection: Inspection
) -> Instrument | None:
    if data.instrument_id is None:
        return None
    found = MeasurementCheckRepository(session).instrument(data.instrument_id)
    if found is None:
        raise Invalid(
            f"No instrument {data.instrument_id}.",
            message_vi=f"Không có phương tiện đo {data.instrument_id}.",
            loc=["body", "instrument_id"],
        )
    instrument, category = found
    if instrument.site_id != inspection.site_id:
        raise Invalid(
            f"Instrument {data.instrument_id} is not at the inspected site.",
            message_vi=f"Phương tiện đo {data.instrument_id} không thuộc địa điểm được kiểm tra.",
            loc=["body", "instrument_id"],
        )
    if category is not CATEGORY[data.kind]:
        raise Invalid(
            f"A {data.kind.value} check uses a {CATEGORY[data.kind].value}, "
            f"not a {category.value}.",
            message_vi=f"Phép {KIND_VI[data.kind]} dùng "
            f"{'cân' if CATEGORY[data.kind] is TypeCategory.SCALE else 'cột đo'}, "
            f"không dùng phương tiện loại {category.value}.",
            loc=["body", "instrument_id"],
        )
    return instrument


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))


def _scale(
    data: MeasurementCheckCreate, instrument: Instrument | None
) -> tuple[Decimal | None, Decimal | None]:
    """Return the scale's Max and interval: as given, else the registered instrument's."""
    max_g, interval = data.scale_max_g, data.scale_interval_g
    if instrument is not None and data.kind is not CheckKind.PETROL_DELIVERY:
        max_g = max_g if max_g is not None else _dec(instrument.max_g)
        if interval is None:
            gold = data.kind is CheckKind.GOLD_MEASUREMENT
            interval = _dec(instrument.e_g if gold else (instrument.d_g or instrument.e_g))
    if data.kind is CheckKind.GOLD_MEASUREMENT and (max_g is None or interval is None):
        raise Invalid(
            "A gold check records the scale's Max and interval e (give them or the instrument).",
            message_vi="Phép cân vàng phải ghi Max và độ chia kiểm e của cân "
            "(nhập hoặc chọn phương tiện đo đã đăng ký).",
            loc=["body", "scale_interval_g"],
        )
    if max_g is not None and interval is not None and interval > max_g:
        raise Invalid(
            "The scale's interval is larger than its Max.",
            message_vi="Độ chia của cân lớn hơn Max.",
            loc=["body", "scale_interval_g"],
        )
    return max_g, interval


def record_check(
    session: Session,
    user: Principal,
    inspection_id: int,
    data: MeasurementCheckCreate,
    *,
    book: Rulebook | None = None,
) -> MeasurementCheck:
    """Judge, store and audit a check at an open inspection in the user's area; the caller
    commits.

    A resend of a stored client_uuid returns the stored check, even once the inspection closed.
    """
    check, created = store_check(session, user, inspection_id, data, book=book)
    if created:
        audit_many(session, actor=user, entries=[check_entry(check)])
    return check


_AUDITED = {
    "inspection_id",
    "client_uuid",
    "instrument_id",
    "kind",
    "goods",
    "unit",
    "declared",
    "measured",
    "shortfall",
    "permitted_deviation",
    "verdict",
    "violation_proposed",
    "rule_label",
    "scale_rule_label",
    "scale_suitable",
}


def check_entry(check: MeasurementCheck) -> Entry:
    """Return the audit entry of a new check: what was measured, the verdict and its rule."""
    detail = check.model_dump(include=_AUDITED)
    return Entry("measurement_check.record", "measurement_check", check.id, detail)


def store_check(
    session: Session,
    user: Principal,
    inspection_id: int,
    data: MeasurementCheckCreate,
    *,
    book: Rulebook | None = None,
) -> tuple[MeasurementCheck, bool]:
    """Judge and store a check as record_check does, without its audit record (a batch audits
    all at once with check_entry); return the check and whether it is new."""
    inspection = writable_inspection(session, user, inspection_id)
    repo = MeasurementCheckRepository(session)
    if data.client_uuid is not None:
        stored = repo.by_client_uuid(str(data.client_uuid))
        if stored is not None:
            if stored.inspection_id != inspection_id:
                raise Conflict(
                    "This client_uuid was used for a check of another inspection.",
                    message_vi="Mã client_uuid này đã dùng cho phép đo của cuộc kiểm tra khác.",
                )
            return stored, False  # a resend (also after closing): stored once
    _require_open(inspection)
    _bounds(data)
    instrument = _instrument(session, data, inspection)
    max_g, interval = _scale(data, instrument)
    check = CheckInput(
        kind=data.kind,
        on=inspection.inspected_on,
        declared=data.declared,
        measured=data.measured,
        scale_max_g=max_g,
        scale_interval_g=interval,
        dispenser_type=instrument.type_code if instrument is not None else "fuel_dispenser",
    )
    judged = judge(book or load_rulebook(session), check)
    return repo.add(_row(data, check, judged, inspection_id=inspection_id, user=user)), True


def _row(
    data: MeasurementCheckCreate,
    check: CheckInput,
    judged: Judgement,
    *,
    inspection_id: int,
    user: Principal,
) -> MeasurementCheck:
    rule, scale_rule = judged.rule, judged.scale_rule
    return MeasurementCheck(
        client_uuid=str(data.client_uuid) if data.client_uuid is not None else None,
        inspection_id=inspection_id,
        instrument_id=data.instrument_id,
        kind=data.kind,
        goods=data.goods.strip(),
        unit=UNITS[data.kind],
        checked_on=check.on,
        declared=float(check.declared),
        measured=float(check.measured),
        scale_max_g=_float(check.scale_max_g),
        scale_interval_g=_float(check.scale_interval_g),
        shortfall=float(judged.shortfall),
        permitted_deviation=_float(judged.permitted),
        allowed_interval_g=_float(judged.allowed_interval_g),
        scale_suitable=judged.scale_suitable,
        verdict=judged.verdict,
        violation_proposed=judged.violation_proposed,
        reason="; ".join(r.en for r in judged.reasons)[:2000],
        reason_vi="; ".join(r.vi for r in judged.reasons)[:2000],
        rule_table_id=rule.ref.table_id if rule else None,
        rule_code=rule.ref.code if rule else None,
        rule_effective_from=rule.effective_from if rule else None,
        rule_label=rule.ref.label[:300] if rule else None,
        rule_source=rule.ref.source[:1000] if rule else None,
        rule_binding=rule.ref.binding if rule else False,
        scale_rule_table_id=scale_rule.ref.table_id if scale_rule else None,
        scale_rule_code=scale_rule.ref.code if scale_rule else None,
        scale_rule_effective_from=scale_rule.effective_from if scale_rule else None,
        scale_rule_label=scale_rule.ref.label[:300] if scale_rule else None,
        scale_rule_source=scale_rule.ref.source[:1000] if scale_rule else None,
        note=data.note,
        recorded_by_user_id=user.user_id if user.user_id > 0 else None,
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def list_checks(session: Session, user: Principal, inspection_id: int) -> list[MeasurementCheck]:
    """Return the checks of an inspection the user may read."""
    found = MeasurementCheckRepository(session).inspection_place(inspection_id)
    if found is None:
        raise NotFound(
            f"No inspection {inspection_id}.",
            message_vi=f"Không có cuộc kiểm tra {inspection_id}.",
            loc=["path", "inspection_id"],
        )
    user.require_read(found[1].path)
    return MeasurementCheckRepository(session).of_inspection(inspection_id)


def public(check: MeasurementCheck) -> MeasurementCheckPublic:
    """Return the API shape of a check."""
    return MeasurementCheckPublic.model_validate(check, from_attributes=True)
