"""A log file is read within limits: bombs are refused with 413 and little memory."""

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.upload_bombs import lie_about_sizes, xlsx_empty_rows, xlsx_one_cell
from metrology_svc.control_logs import sheet
from metrology_svc.core.errors import Invalid, PayloadTooLarge
from metrology_svc.imports.limits import CONTROL_LOG

COLUMNS = ["Ngày", "Giờ", "Quầy / người bán", "KL bán (kg)", "KL cân lại (kg)"]
HEADER = ";".join(COLUMNS) + "\n"
PEAK_BYTES = 64 * 1024 * 1024


def _peak(read: Callable[[], object]) -> tuple[BaseException, int]:
    tracemalloc.start()
    try:
        read()
    except (Invalid, PayloadTooLarge) as exc:
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    raise AssertionError("the file was read")


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda p: xlsx_one_cell(p, 20_000_000, COLUMNS), "a row is larger than 8 MiB"),
        (lambda p: xlsx_one_cell(p, 200_000_000, COLUMNS), "unpacks to more than 64 MiB"),
        (lambda p: xlsx_empty_rows(p, CONTROL_LOG.rows + 100, COLUMNS), "more than 10000 rows"),
    ],
)
def test_xlsx_bombs_are_413_and_cheap(
    tmp_path: Path, build: Callable[[Path], Path], reason: str
) -> None:
    path = build(tmp_path / "log.xlsx")
    assert path.stat().st_size < sheet.MAX_BYTES
    exc, peak = _peak(lambda: sheet.read_rows(path))
    assert isinstance(exc, PayloadTooLarge), exc
    assert reason in exc.message
    assert exc.message_vi.startswith("Tệp quá lớn, không đọc được")
    assert peak < PEAK_BYTES


def test_a_lying_zip_is_422(tmp_path: Path) -> None:
    path = lie_about_sizes(xlsx_one_cell(tmp_path / "log.xlsx", 50_000_000))
    exc, peak = _peak(lambda: sheet.read_rows(path))
    assert isinstance(exc, Invalid)
    assert exc.status_code == 422
    assert peak < PEAK_BYTES


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("\n" * (CONTROL_LOG.rows + 5), "more than 10000 rows"),
        ("x;" * 150 + "\n", "more than 100 columns"),
        ("A" * 40_000 + "\n", "longer than 32767 characters"),
    ],
)
def test_csv_bombs_are_413(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "log.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(PayloadTooLarge) as err:
        sheet.read_rows(path)
    assert reason in err.value.message


def test_more_than_max_rows_with_content_is_413(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    line = "23/11/2026;07:30;A-12;1;0,9\n"
    path.write_text(HEADER + line * (sheet.MAX_ROWS + 1), encoding="utf-8")
    with pytest.raises(PayloadTooLarge) as err:
        sheet.read_rows(path)
    assert f"more than {sheet.MAX_ROWS} rows" in err.value.message
