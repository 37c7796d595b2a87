"""Upload bombs: each answered 413 or 422 while the importing process stays under 300 MB.

The three files of issue 17, built small enough to build in seconds but large enough that the
first release would have gone far past the bound (it took 3.1, 4.2 and over 4.3 GB on the
full-size ones): bad rows, one huge cell, empty rows in a sheet that claims 16,384 columns.
Each is imported by a fresh process (bench.upload_bombs.child, as the upload route calls the
service); its peak RSS is the kernel's high-water mark of its own address space (VmHWM, which
a large parent such as a long pytest run does not inflate) and its XLSX reader child's.
"""

import csv
from pathlib import Path
from typing import Any

import pytest

from bench.upload_bombs import (
    csv_bad_rows,
    lie_about_sizes,
    measure,
    valid_list,
    xlsx_empty_rows,
    xlsx_one_cell,
)
from metrology_svc.imports.limits import INSTRUMENTS
from metrology_svc.imports.schemas import REPORTED_ROWS

BOUND_MB = 300.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a folder with a migrated SQLite database (bombs.db) for the measured processes."""
    path = tmp_path_factory.mktemp("bombs")
    ran = measure(valid_list(path / "valid.csv", 20), path / "bombs.db")
    assert ran["status"] == 200, ran
    return path


def _run(folder: Path, file: Path) -> dict[str, Any]:
    found = measure(file, folder / "bombs.db")
    assert found["exit"] == 0, found
    assert found["peak_mb"] < BOUND_MB, found
    assert found["reader_child_mb"] < BOUND_MB, found
    return found


def test_many_bad_rows_give_a_capped_report(folder: Path) -> None:
    rows = 50_000  # 100 KB; 300,000 errors, which the first release listed one by one
    found = _run(folder, csv_bad_rows(folder / "bad.csv", rows))
    assert found["status"] == 422
    assert found["rejected"] == rows
    assert found["errors_total"] >= 5 * rows
    assert found["errors_listed"] <= 10 * REPORTED_ROWS
    assert found["report_bytes"] < 200_000


def test_every_error_of_many_bad_rows_goes_to_a_file_in_bounded_memory(folder: Path) -> None:
    rows = 50_000
    bad = csv_bad_rows(folder / "bad-all.csv", rows)
    found = measure(bad, folder / "bombs.db", every_error=folder / "errors.csv")
    assert found["exit"] == 0, found
    assert found["peak_mb"] < BOUND_MB, found
    assert found["rejected"] == rows
    assert found["error_lines"] == found["errors_total"] >= 5 * rows  # every one, not capped
    with (folder / "errors.csv").open(encoding="utf-8-sig", newline="") as f:
        assert sum(1 for _ in csv.reader(f)) == found["errors_total"] + 1  # + the header


def test_one_huge_cell_is_refused_from_the_zip_directory(folder: Path) -> None:
    # 0.6 GB of one cell in a 0.6 MB file: over the unpacked limit before anything is parsed.
    file = xlsx_one_cell(folder / "cell.xlsx", 600_000_000)
    assert file.stat().st_size < 1_000_000
    found = _run(folder, file)
    assert found["status"] == 413
    assert "unpacks to more than" in found["message"]
    assert found["seconds"] < 5


def test_a_huge_cell_the_directory_admits_is_refused_while_reading(folder: Path) -> None:
    found = _run(folder, xlsx_one_cell(folder / "cell20.xlsx", 20_000_000))
    assert found["status"] == 413
    assert "a row is larger than" in found["message"]


def test_a_directory_that_lies_about_the_cell_is_caught(folder: Path) -> None:
    file = lie_about_sizes(xlsx_one_cell(folder / "lying.xlsx", 100_000_000))
    found = _run(folder, file)
    assert found["status"] == 422  # read only as far as declared: the CRC no longer matches
    assert "unreadable XLSX" in found["message"]


def test_empty_rows_in_a_sheet_claiming_every_column(folder: Path) -> None:
    rows = INSTRUMENTS.rows + 50_000  # 16,384 columns each would be 5 GB of empty tuples
    file = xlsx_empty_rows(folder / "rows.xlsx", rows)
    found = _run(folder, file)
    assert found["status"] == 413
    assert f"more than {INSTRUMENTS.rows} rows" in found["message"]
