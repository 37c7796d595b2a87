"""Headers and type names as district offices write them: synonyms, abbreviations, no accents."""

import csv
from pathlib import Path

import pytest
from sqlmodel import Session, select

from metrology_svc.core.errors import Invalid
from metrology_svc.imports.columns import match_headers, unknown_header
from metrology_svc.imports.rules import type_lookup
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.imports.type_names import accepted_names, match_type, unknown_type
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.offices import (
    DISTRICT_HEADERS,
    csv_bytes,
    district_list,
    district_row,
    write_book,
)
from tests.metrology_svc.imports.support import TODAY

TYPES_CSV = Path(__file__).parents[3] / "metrology_svc" / "instrument_types" / "types.csv"
TYPES = type_lookup(
    [(r["code"], r["name_vi"], r["name_en"]) for r in csv.DictReader(TYPES_CSV.open())]
)


BASE = {
    "type": "Loại PTĐ",
    "serial": "Số máy",
    "manufacturer": "Hãng SX",
    "owner_name": "Chủ hộ",
    "site_name": "Tên chợ",
    "unit_code": "Mã ĐVHC",
}


def test_a_district_header_row_is_understood_column_by_column() -> None:
    found = match_headers(list(DISTRICT_HEADERS.values()))
    assert found.positions == {
        "owner_name": 1,
        "type": 2,
        "serial": 3,
        "manufacturer": 4,
        "max_g": 5,
        "row_unit": 6,
        "site_name": 7,
        "unit_code": 8,
        "last_verified_on": 9,
        "owner_phone": 10,
    }
    assert found.ignored == ("STT", "Ghi chú")
    assert found.units == {"max_g": None}  # "Mức cân max": the unit comes from the cell or ĐVT


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Tên chủ hộ", "owner_name"),
        ("Chủ cơ sở", "owner_name"),
        ("TEN CHU HO", "owner_name"),  # typed without accents
        ("Loại PTĐ", "type"),
        ("Loai PTD", "type"),
        ("Loại phương tiện đo", "type"),
        ("Loại cân", "type"),
        ("Tên chợ", "site_name"),
        ("Địa điểm", "site_name"),
        ("ĐVT", "row_unit"),
        ("Số máy", "serial"),
        ("Số máy:", "serial"),
        ("Số SX", "serial"),
        ("Hãng SX", "manufacturer"),
        ("Ngày KĐ", "last_verified_on"),
        ("Ngay KD", "last_verified_on"),
        ("Mức cân max", "max_g"),
        ("Đ/c", "site_address"),
        ("SĐT", "owner_phone"),
        ("MST", "owner_tax_code"),
        ("Owner name", "owner_name"),
    ],
)
def test_each_everyday_header_names_its_column(header: str, key: str) -> None:
    cells = {**BASE, key: header}
    found = match_headers(list(cells.values()))
    assert found.labels[key] == header
    assert found.ignored == ()


def test_a_quantity_header_with_its_unit_in_any_spelling() -> None:
    base = list(BASE.values())
    assert match_headers([*base, "Mức cân max (kg)"]).units["max_g"].symbol == "kg"  # type: ignore[union-attr]
    assert match_headers([*base, "Muc can (tấn)"]).units["max_g"].symbol == "t"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("header", "vi", "en"),
    [
        (
            "Loại máy",
            "Cột 'Loại máy' không nhận ra; gần nhất: 'Loại phương tiện đo'; "
            "cột này không được dùng",
            "Column 'Loại máy' is not recognised; closest: 'Type' (Loại phương tiện đo); "
            "it is not used",
        ),
        (
            "Ngày kiểm",
            "Cột 'Ngày kiểm' không nhận ra; gần nhất: 'Ngày kiểm định'; cột này không được dùng",
            "Column 'Ngày kiểm' is not recognised; closest: 'Last verification date' "
            "(Ngày kiểm định); it is not used",
        ),
        (
            "Xếp hạng ABC",
            "Cột 'Xếp hạng ABC' không nhận ra; không có cột nào gần giống; cột này không được dùng",
            "Column 'Xếp hạng ABC' is not recognised; no known column is close; it is not used",
        ),
    ],
)
def test_an_unknown_header_is_said_with_the_closest_column(header: str, vi: str, en: str) -> None:
    assert unknown_header(header) == (vi, en)


def test_row_numbers_and_remarks_are_not_imported_and_not_warned_about() -> None:
    assert [unknown_header(h) for h in ("STT", "Số TT:", "No.", "Ghi chú")] == [None] * 4


def test_required_columns_are_missing_only_when_absent_and_the_accepted_names_are_listed() -> None:
    with pytest.raises(Invalid) as err:
        match_headers(["Tên chủ hộ", "Số máy", "Loại cân", "Ghi chú"])
    missing = {d["loc"][-1]: d["accepted"] for d in err.value.details if d["msg"] == "missing"}
    assert list(missing) == ["Nơi sản xuất", "Địa điểm", "Mã đơn vị hành chính"]
    assert "hãng sản xuất" in missing["Nơi sản xuất"]
    assert "tên chợ" in missing["Địa điểm"]
    assert "Địa chỉ" in missing["Mã đơn vị hành chính"]  # an address names the unit too
    assert "Tên cột được nhận — Nơi sản xuất: Nơi sản xuất, Manufacturer, hãng sản xuất" in (
        err.value.message_vi
    )
    assert "Accepted headers — Manufacturer: Nơi sản xuất, Manufacturer" in err.value.message


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("cân điện tử", "scale_counter"),
        ("Cân đồng hồ", "scale_spring_dial"),
        ("cân đồng hồ lò xo", "scale_spring_dial"),
        ("CAN DONG HO", "scale_spring_dial"),
        ("cân bàn", "scale_platform"),
        ("cân treo", "scale_steelyard"),
        ("Cân móc cẩu", "scale_crane"),
        ("đồng hồ xăng", "fuel_dispenser"),
        ("cột đo xăng dầu", "fuel_dispenser"),
        ("Cột bơm xăng", "fuel_dispenser"),
        ("cot bom xang", "fuel_dispenser"),
        ("Taxi meter", "taximeter"),
        ("scale_platform", "scale_platform"),
        ("Spring dial scale", "scale_spring_dial"),
    ],
)
def test_types_are_matched_by_everyday_names(name: str, code: str) -> None:
    assert match_type(TYPES, name) == code


def test_an_unknown_type_names_the_closest_and_every_accepted_name() -> None:
    vi, en, accepted_vi, accepted_en = unknown_type(TYPES, "Cân đồng hồ 30kg")
    assert vi == "Không có loại phương tiện đo này; gần nhất: 'Cân đồng hồ lò xo'"
    assert en == "Unknown type; closest: 'Spring dial scale' (Cân đồng hồ lò xo)"
    assert accepted_vi.startswith("Cân phân tích, Cân kỹ thuật, Cân đồng hồ lò xo, Cân bàn, ")
    assert accepted_vi.endswith(", Đồng hồ nước lạnh có cơ cấu điện tử")
    assert accepted_en.startswith("Analytical balance, Technical balance, Spring dial scale, ")
    assert len(accepted_vi.split(", ")) == len(accepted_en.split(", ")) == 13


def test_each_type_is_listed_with_its_everyday_names() -> None:
    assert accepted_names("fuel_dispenser", "Cột đo xăng dầu") == (
        "Cột đo xăng dầu (cột đo xăng, cột đo dầu, cột bơm xăng, cột bơm xăng dầu, cột xăng, "
        "trụ bơm xăng, trụ bơm xăng dầu, đồng hồ xăng, đồng hồ xăng dầu, máy bơm xăng)"
    )


def run(db: Session, path: Path) -> ImportReport:
    report = import_file(db, ADMIN, path, mode=ImportMode.VALID_ONLY, today=TODAY)
    db.flush()
    return report


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_district_list_imports_as_the_office_wrote_it(
    db: Session, world: World, tmp_path: Path, fmt: str
) -> None:
    rows = [
        district_row("DL-1", "Cân đồng hồ", "30"),
        district_row("DL-2", "cân điện tử", "15", unit="ký"),
        district_row("DL-3", "Cân bàn", "ba mươi"),
        district_row(
            "DL-4", "Cân đồng hồ (30kg)", "30 kg", owner_name="Lê Văn Tám", owner_phone="0901234567"
        ),
        district_row("DL-5", "cân treo", "500 g", unit=""),
    ]
    body = district_list(rows)
    body[1] = [*body[1][:-1], "Loại máy"]  # the remarks column headed oddly
    if fmt == "csv":
        path = tmp_path / "huyen.csv"
        path.write_bytes(csv_bytes(body, "utf-8-sig"))
    else:
        path = write_book(tmp_path / "huyen.xlsx", [("Danh sách", body, False)])
    report = run(db, path)
    made = {i.serial: (i.type_code, i.max_g) for i in db.exec(select(Instrument)).all()}
    assert {s: made[s] for s in ("DL-1", "DL-2", "DL-5")} == {
        "DL-1": ("scale_spring_dial", 30000.0),
        "DL-2": ("scale_counter", 15000.0),
        "DL-5": ("scale_steelyard", 500.0),
    }
    assert not {"DL-3", "DL-4"} & set(made)
    header_row = 2
    found = {(e.row, e.column, e.value): (e.reason_vi, e.reason_en) for e in report.errors}
    assert found == {
        (header_row + 3, "Mức cân max", "ba mươi"): (
            "“ba mươi” là số viết bằng chữ, không đọc được: hãy viết bằng chữ số "
            "(ví dụ 30 kg, 500 g)",
            "“ba mươi” is not a number in digits: numbers written in words are not read; "
            "write it in digits (e.g. 30 kg, 500 g; stored in g)",
        ),
        (header_row + 4, "Loại PTĐ", "Cân đồng hồ (30kg)"): (
            "Không có loại phương tiện đo này; gần nhất: 'Cân đồng hồ lò xo'",
            "Unknown type; closest: 'Spring dial scale' (Cân đồng hồ lò xo)",
        ),
    }
    (type_error,) = [e for e in report.errors if e.column == "Loại PTĐ"]
    assert "Cân đồng hồ lò xo, Cân bàn" in type_error.accepted_vi
    assert "Spring dial scale, Platform scale" in type_error.accepted_en
    assert report.ignored_columns == ["STT", "Loại máy"]
    unknown = [w for w in report.warnings if w.column == "Loại máy"]
    assert [(w.row, w.reason_vi) for w in unknown] == [
        (
            header_row,
            "Cột 'Loại máy' không nhận ra; gần nhất: 'Loại phương tiện đo'; "
            "cột này không được dùng",
        )
    ]
    assert not [w for w in report.warnings if w.column == "STT"]
    owners = db.exec(select(Owner).where(Owner.name == "Nguyễn Thị Hoa")).all()
    assert len(owners) == 1
