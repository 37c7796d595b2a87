"""Reading CSV and XLSX lists into the same rows; refusing files that are neither."""

from pathlib import Path

import pytest

from metrology_svc.core.errors import Invalid, PayloadTooLarge
from metrology_svc.imports import readers
from metrology_svc.imports.limits import Limits
from metrology_svc.imports.readers import open_table, read_csv
from tests.metrology_svc.imports.support import VI, scale_row, write_csv, write_xlsx


def test_csv_and_xlsx_give_the_same_cells(tmp_path: Path) -> None:
    rows = [scale_row("LX-1"), scale_row("LX-2", max_g="1,5")]
    from_csv = open_table(write_csv(tmp_path / "a.csv", rows))
    from_xlsx = open_table(write_xlsx(tmp_path / "a.xlsx", rows))
    assert from_csv.header.positions == from_xlsx.header.positions
    csv_rows, xlsx_rows = list(from_csv.rows), list(from_xlsx.rows)
    assert [r.values for r in csv_rows] == [r.values for r in xlsx_rows]
    # Row numbers are what Excel shows: the XLSX has a title line above its header.
    assert [r.row for r in csv_rows] == [2, 3]
    assert [r.row for r in xlsx_rows] == [3, 4]
    assert csv_rows[0].values["owner_name"] == "Nguyễn Thị Hoa"


def test_semicolon_csv_with_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(
        "Số sản xuất;Loại;Hãng;Chủ sở hữu;Địa điểm;Mã ĐVHC\n;;;;;\nS1;Cân đĩa;A;B;C;18202\n",
        encoding="utf-8",
    )
    table = open_table(path)
    rows = list(table.rows)
    assert [(r.row, r.values["serial"]) for r in rows] == [(3, "S1")]


def test_xlsx_dates_become_text_and_numbers_stay_numbers(tmp_path: Path) -> None:
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Serial", "Type", "Manufacturer", "Owner", "Site", "Unit code", "Due date", "e (g)"]
    )
    sheet.append(["S1", "Cân đĩa", "A", "B", "C", 18202, date(2027, 3, 5), 0.5])
    sheet.append(["S2", "Cân đĩa", "A", "B", "C", "18754", None, True])
    book.save(tmp_path / "c.xlsx")
    first, second = list(open_table(tmp_path / "c.xlsx").rows)
    # A number cell is exact as Excel keeps it: never turned into "0.5" and read as text.
    assert (first.values["unit_code"], first.values["due_date"], first.values["e_g"]) == (
        18202,
        "2027-03-05",
        0.5,
    )
    assert (second.values["unit_code"], second.values["due_date"], second.values["e_g"]) == (
        "18754",
        "",
        "True",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary content"),
        (b"Serial,Type,Manufacturer,Owner,Site,Unit code\n" + b"x" * 5000 + b"\xff\n", "not UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "unreadable XLS file, damaged"),
        (b"Serial,Type,Manufacturer,Owner,Site,Unit code\nS1,C\xe2n,A,B,C,1\n", "not UTF-8"),
        (b"PK\x03\x04not really a zip", "unreadable XLSX"),
        (b"name,value\nx,1\n", "no header row"),
    ],
)
def test_files_that_are_not_lists_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(content)
    with pytest.raises(Invalid) as err:
        list(open_table(path).rows)
    assert reason in err.value.message


def test_a_large_workbook_is_read_in_a_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [scale_row(f"W-{i}") for i in range(30)]
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    inline = [(r.row, r.values) for r in open_table(path).rows]
    monkeypatch.setattr(readers, "XLSX_PROCESS_FROM_BYTES", 0)
    in_worker = open_table(path)
    assert in_worker.total == 30  # rows below the header
    assert [(r.row, r.values) for r in in_worker.rows] == inline
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(Invalid) as err:
        open_table(broken)
    assert "unreadable XLSX" in err.value.message


CSV_LIMITS = Limits(rows=30, columns=20, cell_chars=50, row_bytes=2000)
CSV_HEADER = ",".join(VI.values())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("x," * 30 + "y\n", "more than 20 columns"),
        ("A" * 60 + "\n", "longer than 50 characters"),
        ('"' + "A" * 200_000 + '"\n', "a row is larger than 2000 bytes"),
        ("x\n" * 40, "more than 30 rows"),
        ("\n" * 40, "more than 30 rows"),  # empty lines count too
    ],
)
def test_csv_over_the_limits_is_413(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(CSV_HEADER + "\n" + body, encoding="utf-8")
    with pytest.raises(PayloadTooLarge) as err:
        list(read_csv(path, CSV_LIMITS).rows)
    assert reason in err.value.message
    assert err.value.message_vi.startswith("Tệp quá lớn, không đọc được")


def test_a_quoted_cell_longer_than_a_line_is_still_one_cell_within_limits(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(CSV_HEADER + '\n"two\nlines",x\n,,\n', encoding="utf-8")
    rows = list(read_csv(path, CSV_LIMITS).rows)
    assert rows[0].values["type"] == "two\nlines"


def test_csv_formula_quotes_come_off_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        CSV_HEADER + "\n'=cmd|' /C calc'!A0,'@SUM(1),'+1,'-1,''=1,'plain\n", encoding="utf-8"
    )
    values = next(read_csv(path).rows).values
    keys = list(VI)
    expected = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", "'=1", "'plain"]
    assert [values[k] for k in keys[:6]] == expected
