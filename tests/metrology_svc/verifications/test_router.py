"""Recording verifications: points judged, a pass moves the due date, a fail marks failed."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from metrology_svc.deps import get_today
from tests.factories import World, dispenser, spring_scale

API = "/api/v1/instruments"
GOOD_POINTS = [
    {"reference": 500, "indicated": 525},
    {"reference": 2500, "indicated": 2475},
    {"reference": 7500, "indicated": 7550},
    {"reference": 10000, "indicated": 9950},
    {"reference": 15000, "indicated": 15075},
]


def _verify(
    client: TestClient,
    world: World,
    iid: int,
    points: list[dict[str, Any]],
    on: str = "2026-11-02",
    **extra: object,
) -> dict[str, Any]:
    body = {
        "kind": "periodic",
        "verified_on": on,
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": points,
        **extra,
    }
    r = client.post(f"{API}/{iid}/verifications", json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def _freeze(client: TestClient, day: date) -> None:
    client.app.dependency_overrides[get_today] = lambda: day  # type: ignore[attr-defined]


def test_pass_at_the_mpe_limits_moves_due_date(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    iid = client.post(API, json=spring_scale(world), headers=world.auth("admin")).json()["id"]
    v = _verify(client, world, iid, GOOD_POINTS)
    assert v["result"] == "pass"
    assert [p["mpe"] for p in v["points"]] == [25, 25, 50, 50, 75]
    assert v["cycle_months"] == 24  # spring dial scales: 24 months since 15/10/2024
    assert v["valid_until"] == "2028-11-02"
    inst = client.get(f"{API}/{iid}", headers=world.auth("admin")).json()
    assert (inst["status"], inst["due_date"]) == ("in_service", "2028-11-02")


def test_old_cycle_applies_to_an_old_verification(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    iid = client.post(API, json=spring_scale(world), headers=world.auth("admin")).json()["id"]
    v = _verify(client, world, iid, GOOD_POINTS, on="2024-06-01")
    # Spring dial scales had 24 months before 15/10/2024 too (23/2013 as first issued).
    assert (v["cycle_months"], v["valid_until"]) == (24, "2026-06-01")
    assert v["cycle_rule"].endswith("phiên bản 2020-01-01")
    assert client.get(f"{API}/{iid}", headers=world.auth("admin")).json()["status"] == "overdue"


def test_fail_marks_failed_and_keeps_due_date(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    iid = client.post(API, json=spring_scale(world), headers=world.auth("admin")).json()["id"]
    _verify(client, world, iid, GOOD_POINTS, on="2026-01-10")
    bad = [{"reference": 15000, "indicated": 15076}]  # 76 g over, MPE 75 g
    v = _verify(client, world, iid, bad)
    assert v["result"] == "fail"
    assert v["valid_until"] is None
    inst = client.get(f"{API}/{iid}", headers=world.auth("admin")).json()
    assert (inst["status"], inst["due_date"]) == ("failed", "2028-01-10")
    history = client.get(f"{API}/{iid}/history", headers=world.auth("admin")).json()
    assert [e["detail"].get("outcome") for e in history if e["kind"] == "verified"] == [
        "due_date_moved",
        "marked_failed",
    ]


def test_dispenser_20l_draw_within_60ml(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    iid = client.post(API, json=dispenser(world), headers=world.auth("admin")).json()["id"]
    v = _verify(
        client,
        world,
        iid,
        [{"reference": 20000, "indicated": 20060}, {"reference": 20000, "indicated": 19940}],
        procedure="ĐLVN 10:2013",
    )
    assert v["result"] == "pass"
    assert {p["unit"] for p in v["points"]} == {"mL"}
    assert v["valid_until"] == "2027-11-02"


def test_standards_are_linked_and_unknown_ones_refused(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    h = world.auth("admin")
    client.post(
        "/api/v1/standards",
        json={"code": "QC-M1-20KG-01", "name": "Quả cân 20 kg M1", "nominal": "20 kg M1"},
        headers=h,
    )
    iid = client.post(API, json=spring_scale(world), headers=h).json()["id"]
    v = _verify(client, world, iid, GOOD_POINTS, standard_codes=["QC-M1-20KG-01"])
    assert v["standard_codes"] == ["QC-M1-20KG-01"]
    r = client.post(
        f"{API}/{iid}/verifications",
        headers=h,
        json={
            "kind": "periodic",
            "verified_on": "2026-11-02",
            "verifier": "KĐV A",
            "procedure": "ĐLVN 30:2019",
            "points": GOOD_POINTS,
            "standard_codes": ["NOPE"],
        },
    )
    assert r.status_code == 422


def test_future_date_and_missing_e_are_refused(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    h = world.auth("admin")
    body = spring_scale(world)
    body.pop("e_g")
    iid = client.post(API, json=body, headers=h).json()["id"]
    base = {
        "kind": "initial",
        "verifier": "KĐV A",
        "procedure": "ĐLVN 30:2019",
        "points": GOOD_POINTS,
    }
    r = client.post(
        f"{API}/{iid}/verifications", json={**base, "verified_on": "2026-11-02"}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["instrument", "e_g"]
    r = client.post(
        f"{API}/{iid}/verifications", json={**base, "verified_on": "2027-01-01"}, headers=h
    )
    assert r.status_code == 422


def test_stats_show_pass_fail_and_due_at_once(client: TestClient, world: World) -> None:
    _freeze(client, date(2026, 11, 22))
    h = world.auth("admin")
    ids = [
        client.post(API, json=spring_scale(world, serial=f"ST-{n}"), headers=h).json()["id"]
        for n in range(4)
    ]
    _verify(client, world, ids[0], GOOD_POINTS)  # in service until 2028
    _verify(client, world, ids[1], [{"reference": 15000, "indicated": 15100}])  # failed
    _verify(client, world, ids[2], GOOD_POINTS, on="2024-12-10")  # 24 months: due 2026-12-10
    stats = client.get(f"{API}/stats", headers=h).json()
    assert stats["total"] == 4
    assert {k: v for k, v in stats["by_status"].items() if v} == {
        "in_service": 1,
        "failed": 1,
        "due": 1,
        "registered": 1,
    }
    scoped = client.get(f"{API}/stats", params={"unit_code": "18781"}, headers=h).json()
    assert scoped["total"] == 0
