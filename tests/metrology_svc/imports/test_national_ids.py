"""Owners matched by national ID in an import (issue 19, item 5): tax code, then national ID,
then phone and name, never a name alone; IDs written with spaces or dots are one ID; a bad ID
is rejected with what would be accepted; the export leaves IDs out and a round trip changes
nothing."""

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from metrology_svc.imports.columns import match_headers
from metrology_svc.imports.export import export_instruments
from metrology_svc.imports.schemas import (
    ImportMode,
    ImportReport,
    PossibleDuplicate,
    RowErrorPublic,
)
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.owners.models import Owner
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, scale_row, write_csv, write_xlsx

WITH_ID = {**VI, "owner_national_id": "Số CCCD"}
LAN, BINH = "Nguyễn Thị Lan", "Trần Văn Bình"


def run(
    db: Session,
    tmp_path: Path,
    rows: list[dict[str, str]],
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
) -> ImportReport:
    path = write_csv(tmp_path / "list.csv", rows, names=WITH_ID)
    report = import_file(db, ADMIN, path, mode=mode, today=TODAY)
    db.flush()
    return report


def id_warnings(report: ImportReport) -> list[RowErrorPublic]:
    """Return the warnings about the national ID column (the due date column has its own)."""
    return [w for w in report.warnings if w.column == WITH_ID["owner_national_id"]]


def owner_of(db: Session, serial: str) -> Owner:
    owner_id = db.exec(select(Instrument.owner_id).where(Instrument.serial == serial)).one()
    owner = db.get(Owner, owner_id)
    assert owner is not None
    return owner


def owners_named(db: Session, name: str) -> list[Owner]:
    return list(db.exec(select(Owner).where(Owner.name == name).order_by(col(Owner.id))))


def stored_owner(db: Session, name: str, national_id: str, phone: str | None = None) -> Owner:
    owner = Owner(name=name, national_id=national_id, phone=phone)
    db.add(owner)
    db.flush()
    return owner


@pytest.mark.parametrize(
    "header",
    [
        "Số CCCD",
        "CCCD",
        "Căn cước công dân",
        "Số căn cước công dân",
        "Số CMND",
        "CMND",
        "CMND/CCCD",
        "Số CMND/CCCD",
        "Số định danh cá nhân",
        "National ID",
        "ID number",
        "So CCCD",
        "SỐ CCCD:",
    ],
)
def test_the_headers_offices_write_for_the_id_are_one_column(header: str) -> None:
    found = match_headers([*VI.values(), header])
    assert found.positions["owner_national_id"] == len(VI)
    assert found.ignored == ()


def test_two_owners_of_one_name_with_two_ids_are_two_owners_not_duplicates(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [
        scale_row("N-1", owner_name=LAN, owner_phone="", owner_national_id="001190000001"),
        scale_row("N-2", owner_name=LAN, owner_phone="", owner_national_id="042190000002"),
    ]
    report = run(db, tmp_path, rows)
    assert (report.created, report.rejected) == (2, 0)
    first, second = owners_named(db, LAN)
    assert (first.national_id, second.national_id) == ("001190000001", "042190000002")
    assert [owner_of(db, s).id for s in ("N-1", "N-2")] == [first.id, second.id]
    assert report.possible_duplicates == []  # two IDs: two people, no clerk needed
    again = run(db, tmp_path, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert len(owners_named(db, LAN)) == 2


def test_one_id_written_with_spaces_or_dots_is_one_owner(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [
        scale_row("S-1", owner_name=LAN, owner_phone="", owner_national_id="0012 3456 7890"),
        scale_row("S-2", owner_name=LAN, owner_phone="", owner_national_id="001234567890"),
        scale_row("S-3", owner_name="NGUYEN THI LAN", owner_national_id="001.234.567.890"),
    ]
    report = run(db, tmp_path, rows)
    assert (report.created, report.rejected) == (3, 0)
    [lan] = owners_named(db, LAN)
    assert lan.national_id == "001234567890"
    assert {owner_of(db, s).id for s in ("S-1", "S-2", "S-3")} == {lan.id}
    assert id_warnings(report) == []  # the same name without accents is no other name
    # In a later import (the owner now stored) the ID finds it again.
    later = run(db, tmp_path, [scale_row("S-4", owner_name=LAN, owner_national_id="001234567890")])
    assert later.created == 1
    assert owner_of(db, "S-4").id == lan.id


def test_the_id_beats_the_phone(db: Session, world: World, tmp_path: Path) -> None:
    # world.owner_vi is Nguyễn Thị Hoa, 0912345678, with no ID; another Hoa holds the ID.
    hoa = stored_owner(db, "Nguyễn Thị Hoa", "038185001234")
    row = scale_row("P-1", owner_phone="0912345678", owner_national_id="038 185 001 234")
    report = run(db, tmp_path, [row])
    assert (report.created, report.rejected) == (1, 0)
    assert owner_of(db, "P-1").id == hoa.id
    # A new ID with that phone and name is a new person, not the phone's owner.
    row = scale_row("P-2", owner_phone="0912345678", owner_national_id="038185009999")
    report = run(db, tmp_path, [row])
    new = owner_of(db, "P-2")
    assert new.id not in (hoa.id, world.owner_vi)
    assert new.national_id == "038185009999"
    # Alike by name and phone to owner_vi, who has no ID to tell them apart: listed.
    assert report.possible_duplicates == [
        PossibleDuplicate(
            row=2, owner_id=new.id, name="Nguyễn Thị Hoa", existing_owner_ids=[world.owner_vi]
        )
    ]


def test_the_tax_code_beats_the_id(db: Session, world: World, tmp_path: Path) -> None:
    """A household business with its own tax code whose holder's ID another owner (their
    other business) holds: its own owner, created without the ID, with a warning."""
    binh = stored_owner(db, BINH, "040080001111")
    row = scale_row(
        "T-1",
        owner_name=BINH,
        owner_phone="",
        owner_tax_code="2900123456",
        owner_national_id="040080001111",
    )
    report = run(db, tmp_path, [row])
    assert (report.created, report.rejected) == (1, 0)
    business = owner_of(db, "T-1")
    assert business.id != binh.id
    assert (business.tax_code, business.national_id) == ("2900123456", None)
    [warning] = id_warnings(report)
    assert (warning.row, warning.column, warning.value) == (2, "Số CCCD", BINH)
    assert warning.reason_en == (
        f"The national ID belongs to another owner ({BINH}): the owner of tax code 2900123456 "
        "is created without it"
    )
    assert warning.reason_vi == (
        f"Số CCCD/CMND đã thuộc chủ sở hữu khác ({BINH}): chủ sở hữu theo mã số thuế "
        "2900123456 được tạo không kèm số này"
    )


def test_an_id_under_another_name_matches_by_the_id_with_a_warning_naming_both(
    db: Session, world: World, tmp_path: Path
) -> None:
    binh = stored_owner(db, BINH, "040080002222")
    row = scale_row("W-1", owner_name=LAN, owner_phone="", owner_national_id="040080002222")
    report = run(db, tmp_path, [row])
    assert (report.created, report.rejected) == (1, 0)
    assert owner_of(db, "W-1").id == binh.id
    [warning] = id_warnings(report)
    assert (warning.row, warning.column, warning.value) == (2, "Số CCCD", LAN)
    assert warning.reason_en == (
        f"The national ID is owner {binh.id}'s ({BINH}); this row names {LAN}: matched by the "
        "ID; check the name"
    )
    assert BINH in warning.reason_vi
    assert LAN in warning.reason_vi
    # A name written without accents or in capitals is the same name: no warning.
    row = scale_row("W-2", owner_name="TRAN VAN BINH", owner_national_id="040080002222")
    assert id_warnings(run(db, tmp_path, [row])) == []


@pytest.mark.parametrize(
    ("written", "count"),
    [("0123456789", 10), ("00123456789", 11), ("12345678", 8), ("0012345678901", 13)],
)
def test_an_id_of_another_length_is_rejected_with_the_reason_and_what_is_accepted(
    db: Session, world: World, tmp_path: Path, written: str, count: int
) -> None:
    row = scale_row("R-1", owner_name=LAN, owner_national_id=written)
    report = run(db, tmp_path, [row], ImportMode.VALID_ONLY)
    assert (report.created, report.rejected) == (0, 1)
    [error] = report.errors
    assert (error.row, error.column, error.value) == (2, "Số CCCD", written)
    assert (
        error.reason_vi == f"Số CCCD gồm 12 chữ số, số CMND cũ 9 chữ số; số này có {count} chữ số"
    )
    assert error.reason_en == (
        f"A national ID has 12 digits (CCCD) or 9 (the old CMND); this one has {count}"
    )
    assert error.accepted_vi.startswith("số CCCD 12 chữ số hoặc số CMND cũ 9 chữ số")
    assert error.accepted_en.startswith("a CCCD of 12 digits or an old CMND of 9 digits")


def test_a_number_cell_of_a_workbook_gets_its_zeros_back(
    db: Session, world: World, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [scale_row("X-1", owner_name=LAN, owner_national_id="placeholder")],
        names=WITH_ID,
    )
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=3, column=len(WITH_ID)).value = 1234567890  # typed as a number: 001… lost
    book.save(path)
    report = import_file(db, ADMIN, path, mode=ImportMode.ALL_OR_NOTHING, today=TODAY)
    assert (report.created, report.rejected) == (1, 0), report.errors
    assert owner_of(db, "X-1").national_id == "001234567890"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_export_leaves_ids_out_and_importing_it_back_changes_nothing(
    db: Session, world: World, tmp_path: Path, lang: str
) -> None:
    rows = [
        scale_row("E-1", owner_name=LAN, owner_phone="", owner_national_id="001190000001"),
        scale_row("E-2", owner_name=LAN, owner_phone="", owner_national_id="042190000002"),
        scale_row("E-3", owner_name=BINH, owner_national_id="040080003333"),
    ]
    assert run(db, tmp_path, rows).created == 3
    out = tmp_path / f"export.{lang}.csv"
    count = export_instruments(
        db, InstrumentFilter(), out, fmt="csv", lang="vi" if lang == "vi" else "en"
    )
    text = out.read_text(encoding="utf-8-sig")
    for nid in ("001190000001", "042190000002", "040080003333"):
        assert nid not in text
    assert "CCCD" not in text
    assert "National ID" not in text
    owners = list(db.exec(select(Owner.id, Owner.national_id).order_by(col(Owner.id))))
    before = {s: owner_of(db, s).id for s in ("E-1", "E-2", "E-3")}
    report = import_file(db, ADMIN, out, mode=ImportMode.ALL_OR_NOTHING, today=TODAY)
    db.flush()
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, count, 0)
    assert list(db.exec(select(Owner.id, Owner.national_id).order_by(col(Owner.id)))) == owners
    assert {s: owner_of(db, s).id for s in ("E-1", "E-2", "E-3")} == before
