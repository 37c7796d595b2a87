"""Verification dates in a list become imported verification records; nothing else moves a date."""

from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.service import verify_chain
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.verifications.models import (
    Verification,
    VerificationKind,
    VerificationResult,
)
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, scale_row, write_csv

OVERDUE, IN_SERVICE = InstrumentStatus.OVERDUE, InstrumentStatus.IN_SERVICE


def run(
    db: Session, tmp_path: Path, rows: list[dict[str, str]], *, name: str = "ds.csv"
) -> ImportReport:
    report = import_file(
        db, ADMIN, write_csv(tmp_path / name, rows), mode=ImportMode.VALID_ONLY, today=TODAY
    )
    db.flush()
    return report


def counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.rejected, report.verifications


def instrument(db: Session, serial: str) -> Instrument:
    found = db.exec(select(Instrument).where(Instrument.serial == serial)).one()
    db.refresh(found)
    return found


def records(db: Session, inst: Instrument) -> list[Verification]:
    stmt = select(Verification).where(Verification.instrument_id == inst.id)
    return list(db.exec(stmt.order_by(col(Verification.id))))


def audits(db: Session, action: str) -> list[AuditRecord]:
    stmt = select(AuditRecord).where(AuditRecord.action == action)
    return list(db.exec(stmt.order_by(col(AuditRecord.seq))))


def overdue_scale(db: Session, tmp_path: Path, serial: str = "Q-1") -> Instrument:
    """Import a scale last verified 10/01/2024: the 24-month cycle makes it overdue today."""
    run(db, tmp_path, [scale_row(serial, last_verified_on="10/01/2024", due_date="")], name="0.csv")
    found = instrument(db, serial)
    assert (found.due_date, found.status) == (date(2026, 1, 10), OVERDUE)
    return found


def test_a_verification_date_becomes_one_imported_record(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = run(db, tmp_path, [scale_row("Q-1", last_verified_on="10/01/2024", due_date="")])
    assert counts(report) == (1, 0, 0, 0, 1)
    found = instrument(db, "Q-1")
    (record,) = records(db, found)
    assert (record.kind, record.result) == (VerificationKind.IMPORTED, VerificationResult.RECORDED)
    assert (record.verified_on, record.valid_until, record.cycle_months) == (
        date(2024, 1, 10),
        date(2026, 1, 10),
        24,
    )
    assert (record.source_file, record.source_row) == ("ds.csv", 2)
    assert (found.last_verified_on, found.due_date, found.status) == (
        date(2024, 1, 10),
        date(2026, 1, 10),
        OVERDUE,
    )


def test_an_overdue_scale_stays_overdue_whatever_its_due_date_column_says(
    db: Session, world: World, tmp_path: Path
) -> None:
    overdue_scale(db, tmp_path)
    # The first release made this scale "in service until 2030".
    row = scale_row("Q-1", last_verified_on="10/01/2024", due_date="15/03/2030")
    report = run(db, tmp_path, [row])
    assert counts(report) == (0, 0, 1, 0, 0)
    found = instrument(db, "Q-1")
    assert (found.due_date, found.status, len(records(db, found))) == (
        date(2026, 1, 10),
        OVERDUE,
        1,
    )
    column, differs = report.warnings
    assert (column.row, column.column) == (1, "Hạn kiểm định")
    assert "this column is not used" in column.reason_en
    assert (differs.row, differs.column, differs.value) == (2, "Hạn kiểm định", "15/03/2030")
    assert "15/03/2030" in differs.reason_en
    assert "10/01/2026" in differs.reason_en
    assert "15/03/2030" in differs.reason_vi
    assert "10/01/2026" in differs.reason_vi


def test_an_older_date_is_history_only(db: Session, world: World, tmp_path: Path) -> None:
    overdue_scale(db, tmp_path)
    report = run(db, tmp_path, [scale_row("Q-1", last_verified_on="01/06/2023", due_date="")])
    assert counts(report) == (0, 1, 0, 0, 1)
    found = instrument(db, "Q-1")
    assert [r.verified_on for r in records(db, found)] == [date(2024, 1, 10), date(2023, 6, 1)]
    assert (found.last_verified_on, found.due_date, found.status) == (
        date(2024, 1, 10),
        date(2026, 1, 10),
        OVERDUE,
    )


def test_a_newer_date_moves_the_due_date_by_the_cycle_with_one_audit_record_per_row(
    db: Session, world: World, tmp_path: Path
) -> None:
    first, second = overdue_scale(db, tmp_path, "Q-1"), overdue_scale(db, tmp_path, "Q-2")
    before = len(audits(db, "verification.import"))
    rows = [scale_row(s, last_verified_on="20/11/2026", due_date="") for s in ("Q-1", "Q-2")]
    report = run(db, tmp_path, rows)
    assert counts(report) == (0, 2, 0, 0, 2)
    for inst in (first, second):
        found = instrument(db, inst.serial)
        assert (found.due_date, found.status) == (date(2028, 11, 20), IN_SERVICE)
        assert [r.verified_on for r in records(db, found)][-1] == date(2026, 11, 20)
    new = audits(db, "verification.import")[before:]
    assert [(a.detail["file"], a.detail["row"]) for a in new] == [("ds.csv", 2), ("ds.csv", 3)]
    assert new[0].detail["due_date"] == {"from": "2026-01-10", "to": "2028-11-20"}
    assert new[0].detail["status"] == {"from": "overdue", "to": "in_service"}
    assert audits(db, "import.instruments")[-1].detail["updated"] == 2
    assert verify_chain(db).broken is None


def test_a_failed_instrument_stays_failed(db: Session, world: World, tmp_path: Path) -> None:
    failed = overdue_scale(db, tmp_path)
    failed.status = InstrumentStatus.FAILED
    db.flush()
    report = run(db, tmp_path, [scale_row("Q-1", last_verified_on="20/11/2026", due_date="")])
    assert report.verifications == 1
    assert instrument(db, "Q-1").status == InstrumentStatus.FAILED


def test_reimporting_adds_no_record_and_a_verification_on_record_is_not_imported(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row(f"R-{i}", last_verified_on=f"0{i + 1}/02/2025") for i in range(3)]
    assert counts(run(db, tmp_path, rows)) == (3, 0, 0, 0, 3)
    assert counts(run(db, tmp_path, rows)) == (0, 0, 3, 0, 0)
    found = instrument(db, "R-0")
    db.add(
        Verification(
            instrument_id=found.id or 0,
            kind=VerificationKind.PERIODIC,
            verified_on=date(2026, 11, 2),
            verifier="KĐV",
            procedure="ĐLVN 30:2019",
            result=VerificationResult.PASS,
        )
    )
    db.flush()
    again = run(db, tmp_path, [scale_row("R-0", last_verified_on="02/11/2026")])
    assert counts(again) == (0, 0, 1, 0, 0)


def test_a_future_date_or_one_no_cycle_covers_rejects_the_row(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [
        scale_row("Z-1", last_verified_on="24/11/2026", due_date=""),
        scale_row("Z-2", last_verified_on="01/01/2010", due_date=""),
    ]
    report = run(db, tmp_path, rows)
    assert counts(report) == (0, 0, 0, 2, 0)
    future, uncovered = report.errors
    assert (future.row, future.column) == (2, "Ngày kiểm định")
    assert future.reason_en == "The verification date lies in the future"
    assert (uncovered.row, uncovered.value) == (3, "01/01/2010")
    assert uncovered.reason_en.startswith("No due date can be computed: no verification cycle")


def test_a_status_column_sets_nothing_and_says_so(
    db: Session, world: World, tmp_path: Path
) -> None:
    row = {**scale_row("S-1", last_verified_on=""), "status": "Đang sử dụng"}
    path = write_csv(tmp_path / "st.csv", [row], names={**VI, "status": "Trạng thái"})
    report = import_file(db, ADMIN, path, today=TODAY)
    assert instrument(db, "S-1").status == InstrumentStatus.REGISTERED
    assert report.ignored_columns == ["Trạng thái"]
    assert [(w.row, w.column) for w in report.warnings] == [
        (1, "Hạn kiểm định"),
        (1, "Trạng thái"),
        (1, "Hạn kiểm định"),
        (1, "Ngày kiểm định"),  # no history: the row gives no verification date
    ]
    assert "only by a verification" in report.warnings[1].reason_en
    assert report.warnings[3].reason_en.startswith("No history: 1 row has no verification")
    assert report.warnings[2].reason_en.startswith(
        "Rows with a due date but no verification date: 1 (rows 2);"
    )
