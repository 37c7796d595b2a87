"""The round's working plan writes names and addresses as text: nothing in it can run."""

import io
import zipfile
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from tests.factories import World
from tests.schedules.support import add_instrument

API = "/api/v1/rounds"
PARAMS = {"unit_code": "42", "from": "2027-02-01", "to": "2027-02-12", "capacity": 3}
SITE, ADDRESS, OWNER = "=cmd|' /C calc'!A0", "@SUM(1)", '=HYPERLINK("http://x.example","y")'


def test_formula_like_names_are_string_cells(client: TestClient, db: Session, world: World) -> None:
    market, owner = db.get(Site, world.market_a), db.get(Owner, world.owner_vi)
    assert market is not None
    assert owner is not None
    market.name, market.address, owner.name = SITE, ADDRESS, OWNER
    add_instrument(
        db, world, serial="-1", due_date=date(2027, 1, 10), status=InstrumentStatus.OVERDUE
    )
    db.commit()
    r = client.get(f"{API}/export.xlsx", params=PARAMS, headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml
    assert b"<f " not in sheet_xml
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert isinstance(sheet, Worksheet)
    cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value}
    for text in (SITE, ADDRESS, OWNER, "-1"):
        assert cells[text] == "s", text
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"round-42.xlsx\"; filename*=UTF-8''round-42.xlsx"
    )
