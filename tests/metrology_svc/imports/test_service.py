"""Importing lists into the registry: create, update, unchanged, reject, modes, jurisdiction."""

import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Forbidden
from metrology_svc.imports import rules, service
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument, InstrumentEvent, InstrumentStatus
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.verifications.models import Verification
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import (
    TODAY,
    failing_second_create,
    inspector,
    scale_row,
    write_csv,
)


def run(
    db: Session,
    tmp_path: Path,
    rows: list[dict[str, str]],
    *,
    user: Principal = ADMIN,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
) -> ImportReport:
    path = write_csv(tmp_path / "list.csv", rows)
    report = import_file(db, user, path, mode=mode, today=TODAY)
    db.flush()
    return report


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.rejected


def snapshot(db: Session) -> dict[str, Any]:
    instruments = [i.model_dump() for i in db.exec(select(Instrument).order_by(col(Instrument.id)))]
    return {
        "instruments": instruments,
        "events": db.exec(select(func.count()).select_from(InstrumentEvent)).one(),
        "owners": db.exec(select(func.count()).select_from(Owner)).one(),
        "sites": db.exec(select(func.count()).select_from(Site)).one(),
        "verifications": db.exec(select(func.count()).select_from(Verification)).one(),
    }


def by_serial(db: Session, serial: str) -> Instrument:
    return db.exec(select(Instrument).where(Instrument.serial == serial)).one()


def test_creates_instruments_and_reuses_known_owner_and_site(
    db: Session, world: World, tmp_path: Path
) -> None:
    before = snapshot(db)
    report = run(db, tmp_path, [scale_row("LX-1"), scale_row("LX-2", last_verified_on="")])
    assert report.errors == []
    assert counts(report) == (2, 0, 0, 0)
    assert report.written
    first, second = by_serial(db, "LX-1"), by_serial(db, "LX-2")
    assert (first.owner_id, first.site_id) == (world.owner_vi, world.market_a)
    # Only a verification gives a status: the second row lists a due date but no verification.
    assert (first.status, second.status) == (InstrumentStatus.IN_SERVICE, "registered")
    assert (first.due_date, second.due_date) == (date(2027, 3, 15), None)
    assert first.accuracy_class == "IIII"
    after = snapshot(db)
    assert (after["owners"], after["sites"]) == (before["owners"], before["sites"])
    events = db.exec(
        select(InstrumentEvent)
        .where(InstrumentEvent.instrument_id == first.id)
        .order_by(col(InstrumentEvent.id))
    ).all()
    assert [e.kind for e in events] == ["imported", "verification_imported"]
    assert events[0].detail == {"action": "created", "row": 2}


def test_creates_missing_owner_by_tax_code_and_site_in_unit(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [
        scale_row("A-1", owner_name="Công ty Xăng dầu", owner_tax_code="3000100234"),
        scale_row("A-2", owner_name="Trần Văn Nam", owner_phone="0987654321", site_name="Chợ Mới"),
        scale_row("A-3", owner_name="Trần Văn Nam", owner_phone="0987654321", site_name="chợ  mới"),
    ]
    assert counts(run(db, tmp_path, rows)) == (3, 0, 0, 0)
    a1, a2, a3 = (by_serial(db, s) for s in ("A-1", "A-2", "A-3"))
    assert a1.owner_id == world.owner_en  # matched by tax code, whatever the name says
    assert a2.owner_id == a3.owner_id != world.owner_vi
    assert a2.site_id == a3.site_id
    site = db.get(Site, a2.site_id)
    assert site is not None
    assert (site.name, site.kind, site.unit_id) == ("Chợ Mới", "market", world.unit_ids["18754"])


def test_reimporting_the_same_file_changes_nothing(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row(f"R-{i}", site_name=f"Chợ {i % 2}") for i in range(5)]
    assert counts(run(db, tmp_path, rows)) == (5, 0, 0, 0)
    before = snapshot(db)
    assert counts(run(db, tmp_path, rows)) == (0, 0, 5, 0)
    assert snapshot(db) == before


def test_changed_rows_are_updated_with_an_event_and_empty_cells_erase_nothing(
    db: Session, world: World, tmp_path: Path
) -> None:
    run(db, tmp_path, [scale_row("U-1"), scale_row("U-2")])
    report = run(
        db,
        tmp_path,
        [scale_row("u-1 ", model="NHS-20", due_date="10/12/2026"), scale_row("U-2", model="")],
    )
    assert counts(report) == (0, 1, 1, 0)
    changed = by_serial(db, "U-1")
    # The listed due date sets nothing (a warning says so): the model is the only change.
    assert (changed.model, changed.status) == ("NHS-20", InstrumentStatus.IN_SERVICE)
    assert changed.due_date == date(2027, 3, 15)
    assert by_serial(db, "U-2").model == "NHS-15"
    events = db.exec(
        select(InstrumentEvent)
        .where(InstrumentEvent.instrument_id == changed.id)
        .order_by(col(InstrumentEvent.id))
    ).all()
    assert events[-1].detail["changes"] == {"model": {"from": "NHS-15", "to": "NHS-20"}}


def test_an_update_keeps_a_failed_status(db: Session, world: World, tmp_path: Path) -> None:
    run(db, tmp_path, [scale_row("F-1")])
    failed = by_serial(db, "F-1")
    failed.status = InstrumentStatus.FAILED
    db.flush()
    report = run(db, tmp_path, [scale_row("F-1", model="NHS-20", due_date="01/01/2028")])
    assert counts(report) == (0, 1, 0, 0)
    db.refresh(failed)
    assert failed.status == InstrumentStatus.FAILED


def test_all_or_nothing_writes_nothing_when_a_row_is_rejected(
    db: Session, world: World, tmp_path: Path
) -> None:
    before = snapshot(db)
    report = run(db, tmp_path, [scale_row("G-1"), scale_row("G-2", e_g="0"), scale_row("G-3")])
    assert counts(report) == (0, 0, 0, 1)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [(3, "e (g)")]
    assert snapshot(db) == before


def test_valid_only_writes_the_good_rows_and_reports_the_rest(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("V-1"), scale_row("V-2", max_g="abc"), scale_row("V-3"), scale_row("v-1")]
    report = run(db, tmp_path, rows, mode=ImportMode.VALID_ONLY)
    assert counts(report) == (2, 0, 0, 2)
    assert report.written
    assert [(e.row, e.column, e.reason_en.split(". ")[0]) for e in report.errors] == [
        (3, "Max (g)", "“abc” is not a number"),
        (5, "Số sản xuất", "Same instrument as row 2"),
    ]


def test_unknown_unit_and_new_site_without_kind_are_rejected(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("K-1", unit_code="99999"), scale_row("K-2", site_name="Chợ Lạ", site_kind="")]
    report = run(db, tmp_path, rows, mode=ImportMode.VALID_ONLY)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "Mã đơn vị hành chính"),
        (3, "Loại địa điểm"),
    ]
    # A code of neither list is refused with the closest codes (tests/.../test_old_units.py).
    assert report.errors[0].reason_en.startswith("No administrative unit '99999'")
    assert report.errors[1].reason_en == "Site kind needed to create a new site"


def test_inspectors_import_only_inside_their_jurisdiction(
    db: Session, world: World, tmp_path: Path
) -> None:
    run(db, tmp_path, [scale_row("J-B", unit_code="18781", site_name="Chợ Kỳ Đồng")])
    rows = [
        scale_row("J-A"),
        scale_row("J-X", unit_code="18781", site_name="Chợ Kỳ Đồng"),
        scale_row("J-B"),  # registered in district B: moving it into A is still refused
    ]
    report = run(db, tmp_path, rows, user=inspector("42/18754/"), mode=ImportMode.VALID_ONLY)
    assert counts(report) == (1, 0, 0, 2)
    reasons = [(e.row, e.reason_en) for e in report.errors]
    assert reasons[0] == (3, "Outside your jurisdiction")
    assert reasons[1][0] == 4
    assert reasons[1][1].startswith("Outside your jurisdiction: the instrument is registered")


def test_viewers_cannot_import(db: Session, world: World, tmp_path: Path) -> None:
    viewer = Principal(user_id=0, name="xem", role=Role.VIEWER)
    with pytest.raises(Forbidden):
        run(db, tmp_path, [scale_row()], user=viewer)


def _parse_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-parse"]


def test_rows_are_parsed_ahead_in_order_and_the_thread_ends(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks: the parsing thread runs many chunks ahead of the writes, bounded.
    monkeypatch.setattr(service, "CHUNK", 7)
    rows = [scale_row(f"AH-{i:03d}") for i in range(60)]
    rows[45]["type"] = "Cân không có"  # one bad row late in the file, reported in place
    report = run(db, tmp_path, rows, mode=ImportMode.VALID_ONLY)
    assert (report.created, report.rejected) == (59, 1)
    assert [e.row for e in report.errors] == [47]  # Excel's row: header on row 1
    serials = db.exec(select(Instrument.serial).order_by(col(Instrument.id))).all()
    assert [s for s in serials if s.startswith("AH-")] == [
        f"AH-{i:03d}" for i in range(60) if i != 45
    ]
    assert _parse_threads() == []


def test_a_failed_write_stops_the_parsing_thread_and_keeps_nothing(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 5)
    before = snapshot(db)
    calls = failing_second_create(monkeypatch)
    with pytest.raises(RuntimeError, match="went away"):
        # 100 rows: the parsing thread is blocked on its full queue when the write fails.
        run(db, tmp_path, [scale_row(f"WF-{i:03d}") for i in range(100)])
    assert calls == [5, 5]
    assert _parse_threads() == []
    assert snapshot(db) == before


def test_an_error_while_parsing_reaches_the_caller_and_keeps_nothing(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 5)
    before = snapshot(db)
    parse = rules.parse_chunk
    seen: list[int] = []

    def failing(batch: Any, *args: Any) -> Any:
        seen.append(batch[0].row)
        if len(seen) == 3:
            raise ValueError("a row the parser cannot take")
        return parse(batch, *args)

    monkeypatch.setattr(rules, "parse_chunk", failing)
    with pytest.raises(ValueError, match="cannot take"):
        run(db, tmp_path, [scale_row(f"PE-{i:03d}") for i in range(40)])
    assert seen == [2, 7, 12]  # stopped at the failing chunk
    assert _parse_threads() == []
    assert snapshot(db) == before
