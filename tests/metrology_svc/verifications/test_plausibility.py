"""Plausible before judged, complete before passed: refusals name the field or point and rule."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.instruments.models import Instrument
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.stamps.support import API, GOOD_POINTS, freeze, stamps_of

INSTRUMENTS = f"{API}/instruments"
README_POINTS = [  # the README's worked example: 15 kg, e = 50 g, class IIII
    {"reference": 500, "indicated": 525},
    {"reference": 2500, "indicated": 2475},
    {"reference": 7500, "indicated": 7550},
    {"reference": 10000, "indicated": 9950},
    {"reference": 15000, "indicated": 15075},
]
DRAWS = [{"reference": 20000, "indicated": 20060}, {"reference": 20000, "indicated": 19940}]


def _new(client: TestClient, world: World, body: dict[str, Any]) -> int:
    r = client.post(INSTRUMENTS, json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    iid: int = r.json()["id"]
    return iid


def _post(client: TestClient, world: World, iid: int, points: Any, **extra: Any) -> Any:
    body = {
        "kind": "periodic",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": points,
        **extra,
    }
    return client.post(f"{INSTRUMENTS}/{iid}/verifications", json=body, headers=world.auth("admin"))


def _instrument(client: TestClient, world: World, iid: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"{INSTRUMENTS}/{iid}", headers=world.auth("admin")).json()
    return found


def test_the_readme_examples_still_pass(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    scale = _post(client, world, _new(client, world, spring_scale(world)), README_POINTS).json()
    assert ([p["mpe"] for p in scale["points"]], scale["result"]) == ([25, 25, 50, 50, 75], "pass")
    assert scale["missing_loads"] == []
    assert scale["loads_rule"] == (
        "Mức tải thử bắt buộc khi kiểm định, phiên bản 2013-11-15 (chưa kiểm chứng / unverified)"
    )
    pump = _post(client, world, _new(client, world, dispenser(world)), DRAWS).json()
    assert ([p["mpe"] for p in pump["points"]], pump["result"]) == ([60, 60], "pass")


def test_a_set_without_half_max_is_incomplete_kept_and_moves_nothing(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    r = _post(client, world, iid, [GOOD_POINTS[0], GOOD_POINTS[2]])
    assert r.status_code == 201, r.text
    v = r.json()
    assert (v["result"], v["valid_until"], v["cycle_months"]) == ("incomplete", None, None)
    assert len(v["points"]) == 2
    assert all(p["passed"] for p in v["points"])
    assert [(m["label"], m["low"], m["high"], m["unit"]) for m in v["missing_loads"]] == [
        ("½ Max", 6000, 9000, "g")
    ]
    assert v["missing_loads"][0]["message"] == (
        "No point at the required load ½ Max (6000 … 9000 g)."
    )
    assert v["missing_loads"][0]["message_vi"].startswith("Chưa có điểm kiểm ở mức tải bắt buộc")
    inst = _instrument(client, world, iid)
    assert (inst["status"], inst["due_date"]) == ("registered", None)
    assert stamps_of(client, world, iid) == []
    history = client.get(f"{INSTRUMENTS}/{iid}/history", headers=world.auth("admin")).json()
    assert history[-1]["detail"]["outcome"] == "incomplete_no_change"


def test_an_incomplete_set_never_lifts_a_failure_nor_moves_a_due_date(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    assert _post(client, world, iid, GOOD_POINTS, verified_on="2025-01-10").status_code == 201
    bad = [{"reference": 15000, "indicated": 15076}]  # one point, beyond its MPE: a fail
    assert _post(client, world, iid, bad, verified_on="2026-10-01").json()["result"] == "fail"
    short = _post(client, world, iid, GOOD_POINTS[:2]).json()
    assert short["result"] == "incomplete"
    inst = _instrument(client, world, iid)
    assert (inst["status"], inst["due_date"]) == ("failed", "2027-01-10")


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"e_g": 20000.0, "d_g": 20000.0}, "e_g", "e = 20000 g is above Max = 15000 g"),
        ({"d_g": 100.0}, "d_g", "d = 100 g is above e = 50 g"),
        ({"max_g": 2000.0}, "max_g", "n = Max/e = 40 lies outside class IIII's 100 … 1000"),
        ({"e_g": 2.0, "d_g": 2.0}, "e_g", "The scale's e does not fit its class"),
        ({"max_g": None}, "max_g", "A scale needs its Max"),
    ],
)
def test_implausible_scale_data_refuse_the_verification(
    client: TestClient,
    db: Session,
    world: World,
    changes: dict[str, Any],
    field: str,
    says: str,
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    stored = db.get(Instrument, iid)  # as an older registry or an import may hold them
    assert stored is not None
    for key, value in changes.items():
        setattr(stored, key, value)
    db.commit()
    r = _post(client, world, iid, GOOD_POINTS)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message"].startswith(says)
    assert error["details"][0]["loc"] == ["instrument", field]
    history = client.get(f"{INSTRUMENTS}/{iid}/verifications", headers=world.auth("admin"))
    assert history.json() == []


def test_the_class_limit_names_its_rule(client: TestClient, db: Session, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    stored = db.get(Instrument, iid)
    assert stored is not None
    stored.max_g = 2000
    db.commit()
    error = _post(client, world, iid, GOOD_POINTS[:1]).json()["error"]
    assert "R 76 bảng 3 (cấp chính xác), phiên bản 2013-11-15" in error["message"]
    assert error["message_vi"].startswith("n = Max/e = 40 nằm ngoài khoảng 100 … 1000 của cấp IIII")


@pytest.mark.parametrize(
    ("points", "index", "says"),
    [
        (
            [DRAWS[0], {"reference": 1500, "indicated": 1500}],
            1,
            "Point 2: 1500 mL is below the minimum measured quantity 2000 mL",
        ),
        (
            [{"reference": 20_000_000, "indicated": 20_000_000}, DRAWS[1]],
            0,
            "Point 1: 20000000 mL is more than 60 minutes at Qmax (3000000 mL)",
        ),
    ],
)
def test_a_draw_outside_the_dispenser_range_is_refused(
    client: TestClient, world: World, points: Any, index: int, says: str
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, dispenser(world))
    r = _post(client, world, iid, points, procedure="ĐLVN 10:2013")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].startswith(says)
    assert r.json()["error"]["details"][0]["loc"] == ["body", "points", index, "reference"]


def test_one_draw_is_incomplete_and_a_dispenser_needs_its_mmq(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, dispenser(world))
    v = _post(client, world, iid, DRAWS[:1]).json()
    assert (v["result"], [m["label"] for m in v["missing_loads"]]) == ("incomplete", ["Qmin"])
    body = {k: v for k, v in dispenser(world, serial="TK-2").items() if k != "mmq_l"}
    error = _post(client, world, _new(client, world, body), DRAWS).json()["error"]
    assert error["details"][0]["loc"] == ["instrument", "mmq_l"]


def test_a_point_in_a_fail_keeps_it_a_fail_even_when_loads_are_missing(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    v = _post(client, world, iid, [{"reference": 500, "indicated": 600}]).json()
    assert v["result"] == "fail"
    assert _instrument(client, world, iid)["status"] == "failed"


def test_imported_is_not_a_kind_a_verifier_enters(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    r = _post(client, world, iid, GOOD_POINTS, kind="imported")
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "kind"]


@pytest.mark.parametrize("text", ["inf", "nan", "-Infinity"])
def test_a_given_mpe_refuses_infinity_as_text(client: TestClient, world: World, text: str) -> None:
    body = {"type_code": "taximeter", "serial": "TX-1", "manufacturer": "Digitax"}
    iid = _new(client, world, {**body, "owner_id": world.owner_vi, "site_id": world.market_a})
    r = _post(client, world, iid, [{"reference": 1000, "indicated": 1005, "mpe": text}])
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "points", 0, "mpe"]
