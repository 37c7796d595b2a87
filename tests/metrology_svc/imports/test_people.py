"""Owners and instruments as offices write them: no merge by a name alone, phones in any form,
makers and serials written differently, names in NFD (issue 19, item 5)."""

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from metrology_svc.demo.loader import generate
from metrology_svc.imports.export import export_instruments
from metrology_svc.imports.schemas import ImportMode, ImportReport, PossibleDuplicate
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.owners.matching import normalise_phone
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, scale_row, write_csv


def run(
    db: Session,
    tmp_path: Path,
    rows: list[dict[str, str]],
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
) -> ImportReport:
    path = write_csv(tmp_path / "list.csv", rows)
    report = import_file(db, ADMIN, path, mode=mode, today=TODAY)
    db.flush()
    return report


def owners_named(db: Session, name: str) -> list[int]:
    stmt = select(Owner.id).where(Owner.name == name).order_by(col(Owner.id))
    return [i for i in db.exec(stmt) if i is not None]


def owner_of(db: Session, serial: str) -> int:
    return db.exec(select(Instrument.owner_id).where(Instrument.serial == serial)).one()


def owner_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Owner)).one()


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("0912345678", "0912345678"),
        ("912345678", "0912345678"),  # a number cell lost its leading 0
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
        ("2438251234", "02438251234"),  # a landline without its 0
        ("+84 24 3825 1234", "02438251234"),
        ("+33 1 23 45 67 89", "+33123456789"),  # foreign: kept, separators removed
        ("", None),
    ],
)
def test_phones_are_compared_in_one_form(written: str, stored: str | None) -> None:
    assert normalise_phone(written) == stored


def test_two_owners_of_one_name_without_phone_stay_two_and_are_listed(
    db: Session, world: World, tmp_path: Path
) -> None:
    lan = "Nguyễn Thị Lan"
    rows = [
        scale_row("L-1", owner_name=lan, owner_phone=""),
        scale_row("L-2", owner_name=lan, owner_phone=""),
        scale_row("L-3", owner_name="NGUYEN THI  LAN", owner_phone=""),
    ]
    report = run(db, tmp_path, rows)
    assert (report.created, report.rejected) == (3, 0)
    first, second = owners_named(db, lan)
    (third,) = owners_named(db, "NGUYEN THI LAN")
    assert [owner_of(db, s) for s in ("L-1", "L-2", "L-3")] == [first, second, third]
    assert report.possible_duplicates == [
        PossibleDuplicate(row=3, owner_id=second, name=lan, existing_owner_ids=[first]),
        PossibleDuplicate(
            row=4, owner_id=third, name="NGUYEN THI LAN", existing_owner_ids=[first, second]
        ),
    ]
    assert report.possible_duplicates_total == 2
    # The same list again: each instrument keeps its own owner of that name, none is created
    # and none is moved (a name alone never moves an instrument to another owner).
    count = owner_count(db)
    again = run(db, tmp_path, rows)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert again.possible_duplicates == []
    assert owner_count(db) == count
    assert [owner_of(db, s) for s in ("L-1", "L-2", "L-3")] == [first, second, third]


def test_a_name_alone_never_moves_an_instrument_to_another_owner(
    db: Session, world: World, tmp_path: Path
) -> None:
    run(db, tmp_path, [scale_row("M-1", owner_name="Trần Văn Minh", owner_phone="")])
    minh = owner_of(db, "M-1")
    # Another Minh already exists with the instrument M-2: the name does not take it over.
    run(db, tmp_path, [scale_row("M-2", owner_name="Trần Văn Minh", owner_phone="")])
    other = owner_of(db, "M-2")
    assert other != minh
    report = run(db, tmp_path, [scale_row("M-1", owner_name="Trần Văn Minh", owner_phone="")])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert owner_of(db, "M-1") == minh


@pytest.mark.parametrize("phone", ["+84 912 345 678", "84912345678", "912345678", "0912.345.678"])
def test_a_phone_written_another_way_finds_the_owner(
    db: Session, world: World, tmp_path: Path, phone: str
) -> None:
    count = owner_count(db)
    report = run(db, tmp_path, [scale_row("P-1", owner_name="NGUYỄN THỊ HOA", owner_phone=phone)])
    assert (report.created, report.rejected) == (1, 0)
    assert owner_of(db, "P-1") == world.owner_vi
    assert owner_count(db) == count
    assert report.possible_duplicates == []


def test_a_phone_shared_under_another_name_is_a_new_owner_listed_for_a_clerk(
    db: Session, world: World, tmp_path: Path
) -> None:
    report = run(db, tmp_path, [scale_row("P-2", owner_name="Lê Văn Tâm", owner_phone="912345678")])
    tam = owner_of(db, "P-2")
    assert tam != world.owner_vi
    stored = db.get(Owner, tam)
    assert stored is not None
    assert stored.phone == "0912345678"  # stored normalised
    assert report.possible_duplicates == [
        PossibleDuplicate(
            row=2, owner_id=tam, name="Lê Văn Tâm", existing_owner_ids=[world.owner_vi]
        )
    ]


def test_export_then_import_with_phones_as_numbers_creates_no_owner(
    db: Session, tmp_path: Path
) -> None:
    generate(db, settings=Settings(), today=date(2026, 3, 15), seed=42, instruments=80)
    db.flush()
    before = {i.id: i.owner_id for i in db.exec(select(Instrument))}
    owners = owner_count(db)
    path = tmp_path / "demo.xlsx"
    export_instruments(db, InstrumentFilter(), path, fmt="xlsx", lang="vi")
    # Excel reads "0912345678" as the number 912345678 when the list is typed again or pasted.
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    at = header.index("Điện thoại")
    dropped = 0
    for row in sheet.iter_rows(min_row=2):
        value = row[at].value
        if isinstance(value, str) and value.startswith("0"):
            row[at].value = int(value.replace(" ", ""))
            dropped += 1
    assert dropped > 20
    book.save(path)
    report = import_file(db, ADMIN, path, today=date(2026, 3, 15))
    db.flush()
    assert report.errors == []
    assert (report.created, report.updated, report.rejected) == (0, 0, 0)
    assert report.possible_duplicates == []
    assert owner_count(db) == owners
    db.expire_all()
    assert {i.id: i.owner_id for i in db.exec(select(Instrument))} == before


def test_nfd_names_are_stored_nfc_and_found_by_a_search(
    db: Session, world: World, client: TestClient, tmp_path: Path
) -> None:
    name = "Lê Thị Nguyệt"
    nfd = unicodedata.normalize("NFD", name)
    assert nfd != name
    row = scale_row("N-1", owner_name=nfd, owner_phone="0933111222")
    row |= {"site_name": unicodedata.normalize("NFD", "Chợ Nguyệt"), "model": nfd}
    report = run(db, tmp_path, [row])
    assert (report.created, report.rejected) == (1, 0)
    assert owners_named(db, name) == [owner_of(db, "N-1")]
    instrument = db.exec(select(Instrument).where(Instrument.serial == "N-1")).one()
    assert instrument.model == name
    db.commit()
    for q in ("Nguyệt", unicodedata.normalize("NFD", "Nguyệt")):
        found = client.get("/api/v1/owners", params={"q": q}, headers=world.auth("viewer"))
        assert [o["name"] for o in found.json()["items"]] == [name], q


def test_a_near_duplicate_in_one_file_is_rejected_naming_the_first_row(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [
        scale_row("SN-0012 34"),
        scale_row("D-1"),
        scale_row("sn001234", manufacturer="NHON HOA"),
    ]
    report = run(db, tmp_path, rows, mode=ImportMode.VALID_ONLY)
    assert (report.created, report.rejected) == (2, 1)
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (4, "Số sản xuất", "NHON HOA / sn001234")
    assert error.reason_en.startswith("Same instrument as row 2 (written Nhơn Hòa / SN-0012 34)")
    assert error.reason_vi.startswith(
        "Trùng phương tiện đo ở dòng 2 (ghi là Nhơn Hòa / SN-0012 34)"
    )
    assert db.exec(select(func.count()).select_from(Instrument)).one() == 2


def test_a_stored_instrument_written_differently_is_updated_not_doubled(
    db: Session, world: World, tmp_path: Path
) -> None:
    run(db, tmp_path, [scale_row("LX-77")])
    count = db.exec(select(func.count()).select_from(Instrument)).one()
    report = run(db, tmp_path, [scale_row("lx 77", manufacturer="Nhon Hoa", model="NHS-20")])
    assert (report.created, report.updated, report.rejected) == (0, 1, 0)
    assert db.exec(select(func.count()).select_from(Instrument)).one() == count
    stored = db.exec(select(Instrument).where(Instrument.serial == "LX-77")).one()
    assert (stored.manufacturer, stored.model) == ("Nhơn Hòa", "NHS-20")  # identity as stored


def test_one_name_with_two_phones_is_two_owners_and_no_doubt(
    db: Session, world: World, tmp_path: Path
) -> None:
    lan = "Nguyễn Thị Lan"
    rows = [
        scale_row("Q-1", owner_name=lan, owner_phone="0905000001"),
        scale_row("Q-2", owner_name=lan, owner_phone="905000002"),
        scale_row("Q-3", owner_name=lan, owner_phone="+84 905 000 001"),  # Q-1's owner
    ]
    report = run(db, tmp_path, rows)
    first, second = owners_named(db, lan)
    assert [owner_of(db, s) for s in ("Q-1", "Q-2", "Q-3")] == [first, second, first]
    assert report.possible_duplicates == []  # their phones tell them apart
    # A Lan without a phone may be either of them: listed with both.
    report = run(db, tmp_path, [scale_row("Q-4", owner_name=lan, owner_phone="")])
    (line,) = report.possible_duplicates
    assert (line.row, line.existing_owner_ids) == (2, [first, second])
    assert line.owner_id == owner_of(db, "Q-4") not in (first, second)
