"""Verification rounds: sites by urgency, inspectors' daily capacity and districts, XLSX."""

import io
from datetime import date, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from metrology_svc.instruments.models import InstrumentStatus
from schedules.rounds import Inspector, SiteLoad, plan_rounds, working_days
from tests.factories import World
from tests.schedules.support import add_instrument

MONDAY = date(2027, 3, 1)


def test_plan_fills_days_by_capacity_and_urgency() -> None:
    sites = [
        SiteLoad(2, "Chợ B", "42/18754/", 5, MONDAY + timedelta(days=10)),
        SiteLoad(1, "Chợ A", "42/18754/", 25, MONDAY - timedelta(days=3)),
        SiteLoad(3, "Chợ C", "42/18781/", 4, MONDAY),
    ]
    inspectors = [Inspector(7, "An", ("42/18754/",)), Inspector(8, "Bình", ("42/18754/",))]
    plan = plan_rounds(
        sites, inspectors, first=MONDAY, last=MONDAY + timedelta(days=1), capacity=10
    )
    assert [(v.day.day, v.inspector_id, v.site_id, v.instruments) for v in plan.visits] == [
        (1, 7, 1, 10),
        (1, 8, 1, 10),
        (2, 7, 1, 5),
        (2, 8, 2, 5),
    ]
    # Nobody covers commune 18781: its site stays unplanned.
    assert plan.unplanned == {3: 4}


def test_weekends_are_not_working_days() -> None:
    days = working_days(MONDAY, MONDAY + timedelta(days=7))
    assert [d.weekday() for d in days] == [0, 1, 2, 3, 4, 0]


def test_round_api_and_xlsx(client: TestClient, db: Session, world: World) -> None:
    for i in range(3):
        add_instrument(
            db,
            world,
            serial=f"A-{i}",
            due_date=MONDAY - timedelta(days=5),
            status=InstrumentStatus.OVERDUE,
        )
    add_instrument(
        db,
        world,
        serial="B-1",
        due_date=MONDAY + timedelta(days=3),
        status=InstrumentStatus.DUE,
        site_id=world.market_b,
    )
    add_instrument(
        db,
        world,
        serial="F-1",
        due_date=MONDAY + timedelta(days=200),
        status=InstrumentStatus.IN_SERVICE,
    )
    db.commit()
    params = {
        "unit_code": "42",
        "from": MONDAY.isoformat(),
        "to": (MONDAY + timedelta(days=4)).isoformat(),
        "capacity": 2,
    }
    response = client.get("/api/v1/rounds", params=params, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["sites"], plan["instruments"], plan["inspectors"]) == (2, 4, 2)
    visits = [(v["day"], v["inspector"], v["site_name"], v["instruments"]) for v in plan["visits"]]
    assert visits == [
        ("2027-03-01", "Test inspector_a", "Chợ Kỳ Anh", 2),
        ("2027-03-01", "Test inspector_b", "Chợ Kỳ Đồng", 1),
        ("2027-03-02", "Test inspector_a", "Chợ Kỳ Anh", 1),
    ]
    export = client.get("/api/v1/rounds/export.xlsx", params=params, headers=world.auth("admin"))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Ngày / Date"
    assert [r[2] for r in rows[1:]] == ["Chợ Kỳ Anh", "Chợ Kỳ Đồng", "Chợ Kỳ Anh"]


def test_round_api_refuses_bad_input(client: TestClient, world: World) -> None:
    auth = world.auth("inspector_a")
    unknown = client.get("/api/v1/rounds", params={"unit_code": "99"}, headers=auth)
    assert unknown.status_code == 422
    outside = client.get("/api/v1/rounds", params={"unit_code": "18781"}, headers=auth)
    assert outside.status_code == 403
    backwards = client.get(
        "/api/v1/rounds",
        params={"unit_code": "18754", "from": "2027-03-10", "to": "2027-03-01"},
        headers=auth,
    )
    assert backwards.status_code == 422
