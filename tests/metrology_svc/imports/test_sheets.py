"""Which sheet is the list (hidden sheets, a cover, --sheet, the sheet field), merged cells."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from metrology_svc.cli.main import app
from metrology_svc.core.errors import Invalid
from metrology_svc.db import build_engine
from metrology_svc.imports.readers import open_table
from metrology_svc.instruments.models import Instrument
from tests.factories import World
from tests.metrology_svc.cli.conftest import cli_env  # noqa: F401 (a fixture)
from tests.metrology_svc.imports.offices import Matrix, column, matrix, write_book, write_xls
from tests.metrology_svc.imports.support import scale_row

IMPORT = "/api/v1/imports/instruments"
runner = CliRunner()


def _old() -> Matrix:
    return matrix([scale_row("OLD-1"), scale_row("OLD-2")])


def _new() -> Matrix:
    return matrix([scale_row("NEW-1"), scale_row("NEW-2"), scale_row("NEW-3")])


COVER: Matrix = [["UBND XÃ KỲ ANH"], ["Báo cáo phương tiện đo năm 2026"], ["Người lập: Lan"]]


def _serials(path: Path, sheet: str | None = None) -> tuple[list[str], str | None, list[str]]:
    table = open_table(path, sheet=sheet)
    serials = [str(r.values["serial"]) for r in table.rows]
    return serials, table.source.sheet, table.source.hidden_sheets


def test_a_hidden_old_list_is_passed_over_for_the_visible_one(tmp_path: Path) -> None:
    sheets = [("Cũ 2019", _old(), True), ("Danh sách 2026", _new(), False)]
    for path in (write_book(tmp_path / "h.xlsx", sheets), write_xls(tmp_path / "h.xls", sheets)):
        assert _serials(path) == (["NEW-1", "NEW-2", "NEW-3"], "Danh sách 2026", ["Cũ 2019"])


def test_the_list_on_the_second_sheet_after_a_cover_sheet(tmp_path: Path) -> None:
    path = write_book(tmp_path / "c.xlsx", [("Bìa", COVER, False), ("DS", _new(), False)])
    assert _serials(path) == (["NEW-1", "NEW-2", "NEW-3"], "DS", [])


def test_a_sheet_chosen_by_name_or_number_even_hidden(tmp_path: Path) -> None:
    sheets = [("Cũ 2019", _old(), True), ("Danh sách 2026", _new(), False)]
    path = write_book(tmp_path / "h.xlsx", sheets)
    assert _serials(path, "1") == (["OLD-1", "OLD-2"], "Cũ 2019", ["Cũ 2019"])
    assert _serials(path, "danh sách 2026")[0] == ["NEW-1", "NEW-2", "NEW-3"]
    with pytest.raises(Invalid) as err:
        open_table(path, sheet="Sheet9")
    assert err.value.message == (
        'The sheet asked for is not in the file: the workbook has no sheet "Sheet9"; '
        "its sheets are 1: Cũ 2019, 2: Danh sách 2026."
    )
    assert err.value.message_vi.startswith("Không có trang bảng tính đã chọn: bảng tính không có")
    csv = tmp_path / "a.csv"
    csv.write_text("Serial,Type\n", encoding="utf-8")
    with pytest.raises(Invalid, match="A CSV file has no sheets"):
        open_table(csv, sheet="2")


def test_one_owner_merged_over_five_rows_fills_each_row(tmp_path: Path) -> None:
    rows = [
        scale_row(f"M-{i}", owner_name="Lê Thị Mai", owner_phone="0905111222") for i in range(5)
    ]
    body = matrix(rows)
    for row in body[3:]:  # what Excel keeps of a merged range: its first cell only
        row[column("owner_name")] = row[column("owner_phone")] = None
    owner = "ABCDEFGHIJKLMNOP"[column("owner_name")]
    phone = "ABCDEFGHIJKLMNOP"[column("owner_phone")]
    path = write_book(
        tmp_path / "m.xlsx",
        [("DS", body, False)],
        merges=[(f"DS!{owner}3:{owner}7", ""), (f"DS!{phone}3:{phone}7", ""), ("DS!A1:F1", "")],
    )
    xls = write_xls(
        tmp_path / "m.xls",
        [("DS", body, False)],
        merges=[("DS", column("owner_name"), 2, 6), ("DS", column("owner_phone"), 2, 6)],
    )
    for made in (path, xls):
        got = [
            (r.row, r.values["owner_name"], str(r.values["owner_phone"]))
            for r in open_table(made).rows
        ]
        assert got == [(n, "Lê Thị Mai", "0905111222") for n in range(3, 8)], made.suffix


def test_the_sheet_field_over_http_and_the_report_warns_of_hidden_sheets(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    sheets = [("Cũ 2019", _old(), True), ("Danh sách 2026", _new(), False)]
    path = write_book(tmp_path / "h.xlsx", sheets)
    with path.open("rb") as handle:
        found = client.post(IMPORT, files={"file": ("h.xlsx", handle)}, headers=world.auth("admin"))
    assert found.status_code == 200, found.text
    report = found.json()
    assert (report["created"], report["sheet"], report["hidden_sheets"]) == (
        3,
        "Danh sách 2026",
        ["Cũ 2019"],
    )
    hidden = [w for w in report["warnings"] if w["value"] == "Cũ 2019"]
    assert hidden[0]["reason_vi"].startswith("Bảng tính có trang ẩn không được đọc: Cũ 2019;")
    assert hidden[0]["reason_en"].startswith("The workbook has hidden sheets that were not read")
    with path.open("rb") as handle:
        chosen = client.post(
            IMPORT,
            files={"file": ("h.xlsx", handle)},
            data={"sheet": "1"},
            headers=world.auth("admin"),
        )
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["created"], chosen.json()["sheet"]) == (2, "Cũ 2019")
    with path.open("rb") as handle:
        missing = client.post(
            IMPORT,
            files={"file": ("h.xlsx", handle)},
            data={"sheet": "Sheet9"},
            headers=world.auth("admin"),
        )
    assert missing.status_code == 422
    error = missing.json()["error"]
    assert 'the workbook has no sheet "Sheet9"' in error["message"]
    assert 'bảng tính không có trang "Sheet9"' in error["message_vi"]


def test_the_sheet_option_of_the_cli(cli_env: Path, tmp_path: Path) -> None:  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    sheets = [("Cũ 2019", _old(), True), ("Danh sách 2026", _new(), False)]
    path = write_book(tmp_path / "h.xlsx", sheets)
    found = runner.invoke(app, ["import", "instruments", str(path)])
    assert found.exit_code == 0, found.output
    assert "Trang / sheet: Danh sách 2026" in found.output
    old = runner.invoke(app, ["import", "instruments", str(path), "--sheet", "Cũ 2019"])
    assert old.exit_code == 0, old.output
    wrong = runner.invoke(app, ["import", "instruments", str(path), "--sheet", "3"])
    assert wrong.exit_code == 1
    assert 'bảng tính không có trang "3"' in wrong.output
    with Session(build_engine(f"sqlite:///{cli_env}")) as session:
        serials = session.exec(select(Instrument.serial).order_by(col(Instrument.serial))).all()
    assert list(serials) == ["NEW-1", "NEW-2", "NEW-3", "OLD-1", "OLD-2"]
