"""Verification rounds through the API, on SQLite and PostgreSQL: what goes in a round, the
days it skips (Tết 2027, 1 January, an office's days off) and the office's days-off routes."""

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.auth.models import Role
from metrology_svc.auth.service import create_user
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from tests.factories import World
from tests.schedules.support import add_instrument

API = "/api/v1/rounds"
MONDAY = date(2027, 3, 1)
SERIALS = count(1)


def round_of(client: TestClient, world: World, first: date, last: date, **more: Any) -> Any:
    """Return the proposed round of province 42 for a window, as the admin sees it."""
    params = {"unit_code": "42", "from": first.isoformat(), "to": last.isoformat(), **more}
    response = client.get(API, params=params, headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    return response.json()


def overdue_at(
    db: Session, world: World, site_id: int, count: int, *, days: int = 10, on: date = MONDAY
) -> None:
    """Store instruments at a site, overdue by some days on a day (MONDAY)."""
    for _ in range(count):
        add_instrument(
            db,
            world,
            serial=f"S-{next(SERIALS)}",
            due_date=on - timedelta(days=days),
            status=InstrumentStatus.OVERDUE,
            site_id=site_id,
        )


def visit_days(plan: Any) -> list[str]:
    """Return the days with visits, in order."""
    return sorted({v["day"] for v in plan["visits"]})


def test_a_round_over_tet_2027_skips_it_and_new_year(
    client: TestClient, db: Session, world: World
) -> None:
    overdue_at(db, world, world.market_a, 30, on=date(2026, 12, 1))
    db.commit()
    tet = round_of(client, world, date(2027, 2, 1), date(2027, 2, 12), capacity=1)
    # 4 and 5 February are in the package's Tết too (29 tháng Chạp and New Year's Eve).
    assert visit_days(tet) == ["2027-02-01", "2027-02-02", "2027-02-03", "2027-02-11", "2027-02-12"]
    skipped = {d["day"] for d in tet["days_off"]}
    assert {f"2027-02-{d:02d}" for d in (4, 5, 8, 9, 10)} == skipped
    assert all(d["source"] == "holiday" for d in tet["days_off"])
    new_year = round_of(client, world, date(2026, 12, 31), date(2027, 1, 5), capacity=1)
    assert visit_days(new_year) == ["2026-12-31", "2027-01-04", "2027-01-05"]


def test_a_window_holds_what_falls_due_in_it_failed_and_never_verified(
    client: TestClient, db: Session, world: World
) -> None:
    def add(serial: str, due: date | None, status: InstrumentStatus) -> Instrument:
        return add_instrument(db, world, serial=serial, due_date=due, status=status)

    last = MONDAY + timedelta(days=30)
    wanted = [
        add("late", MONDAY - timedelta(days=3), InstrumentStatus.OVERDUE),
        add("falls-due", MONDAY + timedelta(days=20), InstrumentStatus.IN_SERVICE),
        add("due", last, InstrumentStatus.DUE),
        add("failed", MONDAY + timedelta(days=300), InstrumentStatus.FAILED),
        add("never", None, InstrumentStatus.REGISTERED),
        add("found-unverified", MONDAY + timedelta(days=90), InstrumentStatus.NOT_TO_BE_USED),
    ]
    add("later", last + timedelta(days=1), InstrumentStatus.IN_SERVICE)
    add("suspended", MONDAY - timedelta(days=3), InstrumentStatus.SUSPENDED)
    add("retired", MONDAY - timedelta(days=3), InstrumentStatus.OVERDUE).retired_at = datetime(
        2027, 2, 1, tzinfo=UTC
    )
    db.commit()
    plan = round_of(client, world, MONDAY, last)
    planned = {i for v in plan["visits"] for i in v["instrument_ids"]}
    assert planned == {i.id for i in wanted}
    # Most urgent first: failed, overdue, then by due date, never verified last.
    order = [wanted[i].id for i in (3, 0, 5, 1, 2, 4)]
    assert plan["visits"][0]["instrument_ids"] == order
    assert plan["priority"][0]["failed"] == plan["priority"][0]["never_verified"] == 1


def test_one_old_instrument_does_not_pull_its_market_forward(
    client: TestClient, db: Session, world: World
) -> None:
    overdue_at(db, world, world.market_a, 1, days=400)
    overdue_at(db, world, world.station_a, 4, days=10)
    db.commit()
    plan = round_of(client, world, MONDAY, MONDAY, capacity=4)
    assert [(v["site_id"], v["instruments"]) for v in plan["visits"]] == [(world.station_a, 4)]
    assert [u["site_id"] for u in plan["unplanned"]] == [world.market_a]
    assert [p["score"] for p in plan["priority"]] == [12, 3]


def test_an_inspector_day_stays_in_one_commune(
    client: TestClient, db: Session, world: World
) -> None:
    create_user(
        db, name="KĐV tỉnh", email="province@tdc.example.vn", role=Role.INSPECTOR,
        unit_codes=["42"],
    )  # fmt: skip
    overdue_at(db, world, world.market_a, 3)
    overdue_at(db, world, world.market_b, 3)
    overdue_at(db, world, world.station_a, 3)
    db.commit()
    plan = round_of(client, world, MONDAY, MONDAY + timedelta(days=4), capacity=20)
    days: dict[tuple[str, int], set[int]] = {}
    for v in plan["visits"]:
        days.setdefault((v["day"], v["inspector_id"]), set()).add(v["unit_id"])
    assert days
    assert all(len(units) == 1 for units in days.values())
    assert sum(v["instruments"] for v in plan["visits"]) == 9


def test_office_days_off_are_declared_listed_skipped_and_removed(
    client: TestClient, db: Session, world: World
) -> None:
    overdue_at(db, world, world.market_a, 6)
    overdue_at(db, world, world.market_b, 6)
    db.commit()
    admin = world.auth("admin")
    body = {"unit_code": "18754", "day": "2027-03-02", "reason": "Lễ hội đền Chợ Củi"}
    made = client.post(f"{API}/days-off", json=body, headers=admin)
    assert made.status_code == 201, made.text
    again = client.post(f"{API}/days-off", json=body, headers=admin)
    assert again.status_code == 409
    assert "đã có ngày nghỉ" in again.json()["error"]["message_vi"]
    refused = client.post(f"{API}/days-off", json=body, headers=world.auth("inspector_a"))
    assert refused.status_code == 403
    blank = client.post(f"{API}/days-off", json={**body, "reason": "  "}, headers=admin)
    assert blank.status_code == 422

    plan = round_of(client, world, MONDAY, MONDAY + timedelta(days=2), capacity=2)
    by_site: dict[int, list[str]] = {}
    for v in plan["visits"]:
        by_site.setdefault(v["site_id"], []).append(v["day"])
    assert by_site[world.market_a] == ["2027-03-01", "2027-03-03"]  # Sông Trí closed on the 2nd
    assert by_site[world.market_b] == ["2027-03-01", "2027-03-02", "2027-03-03"]
    assert [(d["day"], d["source"]) for d in plan["days_off"]] == [("2027-03-02", "office")]

    province = {"unit_code": "42", "day": "2027-03-03", "reason": "Nghỉ bù"}
    assert client.post(f"{API}/days-off", json=province, headers=admin).status_code == 201
    listed = client.get(
        f"{API}/days-off",
        params={"unit_code": "18781", "from": "2027-01-01", "to": "2027-03-31"},
        headers=world.auth("inspector_b"),
    )
    assert listed.status_code == 200
    # Hải Ninh sees the province's day off and the public holidays, not Sông Trí's.
    days = [(d["day"], d["source"]) for d in listed.json()]
    assert ("2027-03-03", "office") in days
    assert ("2027-02-08", "holiday") in days
    assert ("2027-03-02", "office") not in days
    plan = round_of(client, world, MONDAY, MONDAY + timedelta(days=2), capacity=2)
    assert "2027-03-03" not in visit_days(plan)

    assert client.delete(f"{API}/days-off/{made.json()['id']}", headers=admin).status_code == 204
    assert client.delete(f"{API}/days-off/{made.json()['id']}", headers=admin).status_code == 404
    plan = round_of(client, world, MONDAY, MONDAY + timedelta(days=1), capacity=2)
    assert "2027-03-02" in {v["day"] for v in plan["visits"] if v["site_id"] == world.market_a}


def test_round_api_refuses_bad_input(client: TestClient, world: World) -> None:
    auth = world.auth("inspector_a")
    unknown = client.get(API, params={"unit_code": "99"}, headers=auth)
    assert unknown.status_code == 422
    outside = client.get(API, params={"unit_code": "18781"}, headers=auth)
    assert outside.status_code == 403
    backwards = client.get(
        API,
        params={"unit_code": "18754", "from": "2027-03-10", "to": "2027-03-01"},
        headers=auth,
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["message_vi"].startswith("Khoảng thời gian")
    far = client.get(API, params={"unit_code": "18754", "from": "9999-12-31"}, headers=auth)
    assert far.status_code == 422
    assert far.json()["error"]["details"][0]["loc"] == ["query", "from"]
    bad_unit = {"unit_code": "99999", "day": "2027-03-02", "reason": "x"}
    r = client.post(f"{API}/days-off", json=bad_unit, headers=world.auth("admin"))
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "unit_code"]
