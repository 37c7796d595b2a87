"""A last-verification date from an office's list becomes a recorded verification, dated by the
rulebook's cycle: no points, no stamp, one audit record naming file and row."""

from datetime import date

import pytest
from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.models import Role, User
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid
from metrology_svc.instruments.models import Instrument, InstrumentEvent, InstrumentStatus
from metrology_svc.instruments.schemas import InstrumentCreate, StatusChange
from metrology_svc.instruments.service import change_status, create_instrument
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.settings import Settings
from metrology_svc.stamps.models import Stamp
from metrology_svc.verifications.imported import record_imported_verification
from metrology_svc.verifications.models import Verification, VerificationKind, VerificationResult
from metrology_svc.verifications.repository import VerificationRepository
from metrology_svc.verifications.schemas import VerificationCreate
from metrology_svc.verifications.service import record_verification
from tests.factories import ADMIN, World, spring_scale
from tests.metrology_svc.stamps.support import GOOD_POINTS

TODAY = date(2026, 11, 22)
FILE = "danh-sach-can-2026.xlsx"


def _scale(db: Session, world: World, serial: str = "LX-IMP-1") -> Instrument:
    body = InstrumentCreate.model_validate(spring_scale(world, serial=serial))
    return create_instrument(db, ADMIN, body)


def _record(
    db: Session, instrument: Instrument, on: date, row: int = 7, user: Principal = ADMIN
) -> Verification:
    return record_imported_verification(
        db,
        user,
        instrument,
        verified_on=on,
        file_name=FILE,
        row=row,
        rulebook=load_rulebook(db),
        today=TODAY,
        due_soon_days=30,
    )


def _audits(db: Session, verification: Verification) -> list[AuditRecord]:
    stmt = select(AuditRecord).where(
        AuditRecord.action == "verification.import", AuditRecord.entity_id == verification.id
    )
    return list(db.exec(stmt))


def test_a_listed_date_becomes_a_recorded_verification_dated_by_the_cycle(
    db: Session, world: World
) -> None:
    instrument = _scale(db, world)
    v = _record(db, instrument, date(2025, 12, 10))
    assert (v.kind, v.result) == (VerificationKind.IMPORTED, VerificationResult.RECORDED)
    assert (v.verifier, v.procedure, v.source_file, v.source_row) == (
        "Danh sách nhập / imported list",
        "—",
        FILE,
        7,
    )
    assert (v.cycle_months, v.valid_until) == (24, date(2027, 12, 10))
    assert v.cycle_rule == "Chu kỳ kiểm định (TT 23/2013/TT-BKHCN và sửa đổi), phiên bản 2024-10-15"
    assert v.created_by_user_id is None  # the command line's system principal
    assert v.id is not None
    assert VerificationRepository(db).points(v.id) == []
    assert (instrument.status, instrument.due_date) == (InstrumentStatus.IN_SERVICE, v.valid_until)
    assert db.exec(select(Stamp).where(Stamp.instrument_id == instrument.id)).all() == []
    [record] = _audits(db, v)
    assert (record.detail["file"], record.detail["row"]) == (FILE, 7)
    assert record.detail["due_date"] == {"from": None, "to": "2027-12-10"}
    events = db.exec(
        select(InstrumentEvent).where(
            InstrumentEvent.instrument_id == instrument.id,
            InstrumentEvent.kind == "verification_imported",
        )
    ).all()
    assert [(e.detail["file"], e.detail["row"], e.detail["outcome"]) for e in events] == [
        (FILE, 7, "due_date_moved")
    ]


def test_the_importer_is_recorded_and_each_row_audited_on_its_own(
    db: Session, world: World
) -> None:
    user = db.exec(select(User).where(User.email == "admin@tdc.example.vn")).one()
    assert user.id is not None
    importer = Principal(user_id=user.id, name=user.name, role=Role.ADMIN)
    first = _record(db, _scale(db, world, "LX-A"), date(2025, 3, 1), row=2, user=importer)
    second = _record(db, _scale(db, world, "LX-B"), date(2024, 12, 10), row=3, user=importer)
    assert first.created_by_user_id == second.created_by_user_id == user.id
    assert [len(_audits(db, v)) for v in (first, second)] == [1, 1]
    assert _audits(db, second)[0].actor_user_id == user.id


@pytest.mark.parametrize("action", ["suspend", "retire"])
def test_failed_suspended_and_retired_stay(db: Session, world: World, action: str) -> None:
    instrument = _scale(db, world)
    assert instrument.id is not None
    change = StatusChange.model_validate({"action": action, "reason": "kiểm tra"})
    change_status(db, ADMIN, instrument.id, change, today=TODAY, due_soon_days=30)
    _record(db, instrument, date(2026, 1, 5))
    assert instrument.status == (
        InstrumentStatus.SUSPENDED if action == "suspend" else InstrumentStatus.RETIRED
    )
    assert instrument.due_date == (date(2028, 1, 5) if action == "suspend" else None)


def test_a_failed_instrument_stays_failed(db: Session, world: World, settings: Settings) -> None:
    instrument = _scale(db, world)
    assert instrument.id is not None
    bad = {"reference": 15000, "indicated": 15100}
    data = VerificationCreate.model_validate(
        {
            "kind": "periodic",
            "verified_on": "2026-01-05",
            "verifier": "KĐV A",
            "procedure": "ĐLVN 30:2019",
            "points": [bad],
        }
    )
    record_verification(db, ADMIN, instrument.id, data, settings=settings, today=TODAY)
    later = _record(db, instrument, date(2026, 3, 1))
    assert (instrument.status, instrument.due_date) == (InstrumentStatus.FAILED, later.valid_until)
    older = _record(db, instrument, date(2025, 12, 1), row=8)  # before the fail: history only
    assert (instrument.due_date, older.valid_until) == (date(2028, 3, 1), date(2027, 12, 1))


def test_an_older_record_never_moves_the_due_date_back(
    db: Session, world: World, settings: Settings
) -> None:
    instrument = _scale(db, world)
    assert instrument.id is not None
    data = VerificationCreate.model_validate(
        {
            "kind": "periodic",
            "verified_on": "2026-06-01",
            "verifier": "KĐV A",
            "procedure": "ĐLVN 30:2019",
            "points": GOOD_POINTS,
        }
    )
    record_verification(db, ADMIN, instrument.id, data, settings=settings, today=TODAY)
    old = _record(db, instrument, date(2025, 2, 1))
    assert old.valid_until == date(2027, 2, 1)
    assert (instrument.due_date, instrument.last_verified_on) == (
        date(2028, 6, 1),
        date(2026, 6, 1),
    )
    stamps = db.exec(select(Stamp).where(col(Stamp.instrument_id) == instrument.id)).all()
    assert [s.verification_id for s in stamps] != [old.id]


def test_a_date_no_cycle_covers_is_refused_naming_type_date_file_and_row(
    db: Session, world: World
) -> None:
    instrument = _scale(db, world)
    with pytest.raises(Invalid) as caught:
        _record(db, instrument, date(2013, 11, 14), row=12)
    assert caught.value.message.startswith(
        f"{FILE}, row 12: no verification cycle for a Spring dial scale (scale_spring_dial) "
        "verified on 14/11/2013"
    )
    assert "Cân đồng hồ lò xo (scale_spring_dial) kiểm định ngày 14/11/2013" in (
        caught.value.message_vi
    )
    with pytest.raises(Invalid, match="lies in the future"):
        _record(db, instrument, date(2027, 1, 1))
