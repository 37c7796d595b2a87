"""Helpers for import tests: rows of a realistic list, written as CSV or XLSX."""

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.imports.writer import Writer

TODAY = date(2026, 11, 23)
# The headers an office types in Vietnamese, in its own order and spelling.
VI = {
    "type": "Loại phương tiện đo",
    "serial": "Số sản xuất",
    "manufacturer": "Nơi sản xuất",
    "model": "Kiểu",
    "accuracy_class": "Cấp chính xác",
    "max_g": "Max (g)",
    "e_g": "e (g)",
    "owner_name": "Chủ sở hữu",
    "owner_phone": "Điện thoại",
    "owner_tax_code": "Mã số thuế",
    "site_name": "Địa điểm",
    "site_kind": "Loại địa điểm",
    "unit_code": "Mã đơn vị hành chính",
    "last_verified_on": "Ngày kiểm định",
    "due_date": "Hạn kiểm định",
}


def scale_row(serial: str = "LX-0001", **over: str) -> dict[str, str]:
    """Return one row (by column key) of a spring scale at Chợ Kỳ Anh."""
    row = {
        "type": "Cân đồng hồ lò xo",
        "serial": serial,
        "manufacturer": "Nhơn Hòa",
        "model": "NHS-15",
        "accuracy_class": "IIII",
        "max_g": "15000",
        "e_g": "50",
        "owner_name": "Nguyễn Thị Hoa",
        "owner_phone": "0912345678",
        "owner_tax_code": "",
        "site_name": "Chợ Kỳ Anh",
        "site_kind": "chợ",
        "unit_code": "18754",
        "last_verified_on": "15/03/2025",
        "due_date": "15/03/2027",
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], *, names: dict[str, str] = VI) -> Path:
    """Write rows under the given headers as a UTF-8 CSV with a BOM, as Excel saves it."""
    keys = list(names)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([names[k] for k in keys])
        for row in rows:
            out.writerow([row.get(k, "") for k in keys])
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]], *, names: dict[str, str] = VI) -> Path:
    """Write rows under the given headers to an XLSX sheet, below a title line."""
    keys = list(names)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH PHƯƠNG TIỆN ĐO"])
    sheet.append([names[k] for k in keys])
    for row in rows:
        sheet.append([row.get(k, "") for k in keys])
    book.save(path)
    return path


def inspector(unit_path: str, user_id: int = 0) -> Principal:
    """Return an inspector scoped to one unit path, e.g. "42/18754/"."""
    return Principal(user_id=user_id, name="KĐV", role=Role.INSPECTOR, unit_paths=(unit_path,))


def failing_second_create(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the import's second chunk of new instruments fail as a lost database would;
    return the list of the chunks' sizes the writer was given."""
    calls: list[int] = []
    creates = Writer.creates

    def failing(self: Writer, planned: Any) -> list[int]:
        calls.append(len(planned))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return creates(self, planned)

    monkeypatch.setattr(Writer, "creates", failing)
    return calls
