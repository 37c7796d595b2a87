"""Old Excel (.xls) and LibreOffice (.ods) lists read like .xlsx; damaged files get a clear 422."""

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from metrology_svc.core.errors import Invalid
from metrology_svc.imports.readers import Table, open_table
from tests.factories import World
from tests.metrology_svc.imports.offices import column, matrix, write_book, write_ods, write_xls
from tests.metrology_svc.imports.support import scale_row

IMPORT = "/api/v1/imports/instruments"
KEYS = ("serial", "owner_name", "site_name", "max_g", "last_verified_on")


def _office_list() -> list[list[object]]:
    """A district list as kept in a workbook: a title line, numbers and dates as cells."""
    body = matrix([scale_row("X-1"), scale_row("X-2", owner_name="Trần Văn Đức")])
    for row in body[2:]:
        row[column("max_g")] = 15000
        row[column("last_verified_on")] = date(2025, 3, 15)
    return body


EXPECTED = [
    (3, ("X-1", "Nguyễn Thị Hoa", "Chợ Kỳ Anh", 15000, "2025-03-15")),
    (4, ("X-2", "Trần Văn Đức", "Chợ Kỳ Anh", 15000, "2025-03-15")),
]


def _values(table: Table) -> list[tuple[int, tuple[object, ...]]]:
    return [(r.row, tuple(r.values[k] for k in KEYS)) for r in table.rows]


def test_xls_reads_like_xlsx(tmp_path: Path) -> None:
    table = open_table(write_xls(tmp_path / "ds.xls", [("Danh sách", _office_list(), False)]))
    assert (table.source.format, table.source.sheet, table.header_row) == ("xls", "Danh sách", 2)
    assert _values(table) == EXPECTED
    same = open_table(write_book(tmp_path / "ds.xlsx", [("Danh sách", _office_list(), False)]))
    assert _values(same) == EXPECTED


def test_ods_reads_like_xlsx(tmp_path: Path) -> None:
    table = open_table(write_ods(tmp_path / "ds.ods", [("Trang tính1", _office_list())]))
    assert (table.source.format, table.source.sheet) == ("ods", "Trang tính1")
    assert _values(table) == EXPECTED


def test_xls_in_tcvn3_is_converted(tmp_path: Path) -> None:
    body = matrix([scale_row("T-1", owner_name="NguyÔn ThÞ Lan", site_name="Chî Kú Anh")])
    table = open_table(write_xls(tmp_path / "old.xls", [("DS", body, False)]))
    got = [(r.values["owner_name"], r.values["site_name"]) for r in table.rows]
    assert got == [("Nguyễn Thị Lan", "Chợ Kỳ Anh")]
    assert (table.source.converted, table.source.converted_from) == (2, ["tcvn3"])


def _damaged(tmp_path: Path) -> dict[str, Path]:
    good_xls = write_xls(tmp_path / "g.xls", [("DS", _office_list(), False)]).read_bytes()
    good_xlsx = write_book(tmp_path / "g.xlsx", [("DS", _office_list(), False)]).read_bytes()
    files = {
        "xls": good_xls[: len(good_xls) // 2],  # cut short
        "xlsx": good_xlsx[: len(good_xlsx) // 2],
    }
    paths = {k: tmp_path / f"bad.{k}" for k in files}
    for k, data in files.items():
        paths[k].write_bytes(data)
    # A zip that says it is an ODS, its content.xml not XML (LibreOffice crashed mid-save).
    paths["ods"] = write_ods(tmp_path / "bad.ods", [], content="<office:document-content><tab")
    # An ODS without content.xml at all: once a raw KeyError.
    empty = tmp_path / "empty.ods"
    write_ods(empty, [("DS", _office_list())])
    import zipfile

    with zipfile.ZipFile(empty) as src, zipfile.ZipFile(tmp_path / "nocontent.ods", "w") as out:
        for info in src.infolist():
            if info.filename != "content.xml":
                out.writestr(info, src.read(info))
    paths["ods-without-content"] = tmp_path / "nocontent.ods"
    return paths


@pytest.mark.parametrize(
    ("kind", "name"),
    [("xls", "XLS"), ("xlsx", "XLSX"), ("ods", "ODS"), ("ods-without-content", "ODS")],
)
def test_a_damaged_file_is_a_clear_422_in_both_languages(
    tmp_path: Path, kind: str, name: str
) -> None:
    path = _damaged(tmp_path)[kind]
    with pytest.raises(Invalid) as err:
        list(open_table(path).rows)
    assert err.value.message.startswith(
        f"The file is not a CSV, XLSX, XLS or ODS instrument list: unreadable {name} file, damaged"
    )
    assert err.value.message.endswith("open it in Excel and save it again as .xlsx.")
    assert err.value.message_vi.startswith(
        f"Tệp không phải danh sách CSV, XLSX, XLS hoặc ODS: không đọc được tệp {name}, tệp hỏng"
    )


def test_a_damaged_ods_over_http_is_422_not_a_server_error(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    path = _damaged(tmp_path)["ods-without-content"]
    with path.open("rb") as handle:
        r = client.post(IMPORT, files={"file": ("ds.ods", handle)}, headers=world.auth("admin"))
    assert r.status_code == 422, r.text
    assert "không đọc được tệp ODS" in r.json()["error"]["message_vi"]
    assert "unreadable ODS file" in r.json()["error"]["message"]


def test_an_xls_over_http_is_imported(client: TestClient, world: World, tmp_path: Path) -> None:
    path = write_xls(tmp_path / "ds.xls", [("DS", _office_list(), False)])
    with path.open("rb") as handle:
        r = client.post(IMPORT, files={"file": ("ds.xls", handle)}, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["file_format"], body["sheet"], body["encoding"]) == (
        2,
        "xls",
        "DS",
        None,
    )
