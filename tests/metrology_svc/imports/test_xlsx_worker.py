"""The XLSX reader's limits: the zip directory checked first, then bytes, rows, columns, cells."""

import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bench.upload_bombs import xlsx_empty_rows
from metrology_svc.core.errors import Invalid, PayloadTooLarge
from metrology_svc.imports import readers, xlsx_worker
from metrology_svc.imports.limits import INSTRUMENTS, Limits, TooBig
from tests.metrology_svc.imports.support import VI, scale_row

SMALL = Limits(rows=50, columns=20, cell_chars=100, unpacked_bytes=1 << 20, row_bytes=4096)


def _book(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _list(path: Path, extra: Sequence[Sequence[Any]] | None = None) -> Path:
    header = list(VI.values())
    rows = [list(scale_row(f"S-{i}").values()) for i in range(3)]
    return _book(path, [header, *rows, *(extra or [])])


def _last(path: Path, limits: Limits) -> tuple[str, object]:
    return list(xlsx_worker.guarded(str(path), limits))[-1]


def test_a_list_within_the_limits_is_read_whole(tmp_path: Path) -> None:
    messages = list(xlsx_worker.guarded(str(_list(tmp_path / "a.xlsx")), SMALL))
    assert messages[0] == ("total", 4)
    assert messages[-1] == ("end", None)
    rows = [r for kind, batch in messages if kind == "rows" for r in batch]
    assert len(rows) == 4
    assert rows[1][1] == "S-0"


def test_the_zip_directory_is_checked_before_parsing(tmp_path: Path) -> None:
    path = _list(tmp_path / "a.xlsx")
    with pytest.raises(TooBig, match="unpacks to more than"):
        xlsx_worker.check_archive(str(path), replace(SMALL, unpacked_bytes=1000))
    with pytest.raises(TooBig, match="holds more than"):
        xlsx_worker.check_archive(str(path), replace(SMALL, entries=3))
    with pytest.raises(TooBig, match=r"the workbook part xl/.* unpacks to more than 500 bytes"):
        xlsx_worker.check_archive(str(path), replace(SMALL, part_bytes=500))


@pytest.mark.parametrize(
    ("extra", "limits", "reason"),
    [
        ([["x"] * 25], SMALL, "more than 20 columns"),
        ([["", "y" * 101]], SMALL, "longer than 100 characters"),
        ([[f"r{i}"] for i in range(60)], SMALL, "more than 50 rows"),
        ([["z" * 5000]], replace(SMALL, cell_chars=10_000), "a row is larger than"),
    ],
)
def test_rows_columns_and_cells_over_the_limits(
    tmp_path: Path, extra: Sequence[Sequence[Any]], limits: Limits, reason: str
) -> None:
    kind, value = _last(_list(tmp_path / "a.xlsx", extra), limits)
    assert kind == "too_big"
    assert isinstance(value, tuple)
    assert reason in value[0]


def test_empty_columns_past_the_limit_are_clamped_not_refused(tmp_path: Path) -> None:
    path = _list(tmp_path / "a.xlsx", [[None] * 30 + [None]])
    messages = list(xlsx_worker.guarded(str(path), SMALL))
    assert messages[-1] == ("end", None)
    widths = {len(r) for kind, batch in messages if kind == "rows" for r in batch}
    assert max(widths) <= SMALL.columns
    assert 0 in widths or min(widths) < SMALL.columns  # trailing empty cells are not sent


def test_the_sheet_is_counted_while_it_is_read() -> None:
    def counted(data: bytes, limits: Limits) -> bytes:
        raw = xlsx_worker._Counted(io.BytesIO(data), limits)
        return b"".join(iter(lambda: raw.read(1000), b""))

    rows = b"".join(b'<x:row r="%d"><x:c><x:v>1</x:v></x:c></x:row>' % n for n in range(500))
    assert counted(rows, SMALL) == rows  # prefixed row tags, each far below the row limit
    with pytest.raises(TooBig, match="a row is larger"):
        counted(b"<row><c><is><t>" + b"A" * 10_000, SMALL)
    with pytest.raises(TooBig, match="unpacks to more"):
        counted(rows * 2000, replace(SMALL, unpacked_bytes=100_000))


def _read_all(path: Path) -> int:
    return sum(1 for _row in readers.open_table(path).rows)


def test_the_child_process_says_413_and_422(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "XLSX_PROCESS_FROM_BYTES", 0)
    rows = xlsx_empty_rows(tmp_path / "rows.xlsx", INSTRUMENTS.rows + 10)
    header = [list(VI.values())]
    with pytest.raises(PayloadTooLarge) as big:
        _read_all(rows)
    assert "more than 200000 rows" in big.value.message
    assert "hơn 200000 dòng" in big.value.message_vi
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("xl/workbook.xml", "<not a workbook")
    with pytest.raises(Invalid) as bad:
        readers.open_table(broken)
    assert bad.value.status_code == 422
    assert _book(tmp_path / "ok.xlsx", header)  # an honest header-only book still opens
