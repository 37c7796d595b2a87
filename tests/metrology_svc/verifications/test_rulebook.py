"""Verifications judged by the rulebook: dated rules, stored references, clear refusals."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metrology_svc.rulebook.rules import NoRuleError
from metrology_svc.rulebook.shipped import shipped_rulebook
from tests.factories import World, dispenser, spring_scale
from tests.metrology_svc.stamps.support import API, GOOD_POINTS, freeze

INSTRUMENTS = f"{API}/instruments"


def _post(client: TestClient, world: World, iid: int, on: str, points: Any) -> Any:
    body = {
        "kind": "periodic",
        "verified_on": on,
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN",
        "points": points,
    }
    return client.post(f"{INSTRUMENTS}/{iid}/verifications", json=body, headers=world.auth("admin"))


def _new(client: TestClient, world: World, body: dict[str, object]) -> int:
    r = client.post(INSTRUMENTS, json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    iid: int = r.json()["id"]
    return iid


def test_dispenser_verified_01_09_2024_gets_a_12_month_cycle(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, dispenser(world))
    draws = [{"reference": 20000, "indicated": 20060}, {"reference": 20000, "indicated": 19950}]
    r = _post(client, world, iid, "2024-09-01", draws)
    assert r.status_code == 201, r.text
    v = r.json()
    assert (v["cycle_months"], v["valid_until"]) == (12, "2025-09-01")
    assert (
        v["cycle_rule"] == "Chu kỳ kiểm định (TT 23/2013/TT-BKHCN và sửa đổi), phiên bản 2020-01-01"
    )
    point = v["points"][0]
    assert (point["mpe"], point["passed"]) == (60, True)
    assert point["mpe_rule"] == "ĐLVN 10 / TT 15/2015 (cột đo), phiên bản 2016-04-01"
    assert isinstance(point["mpe_rule_id"], int)


def test_points_given_their_own_mpe_carry_no_rule(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    body = {
        "type_code": "taximeter",
        "serial": "TX-1",
        "manufacturer": "Digitax",
        "owner_id": world.owner_vi,
        "site_id": world.market_a,
    }
    iid = _new(client, world, body)
    r = _post(client, world, iid, "2026-11-02", [{"reference": 1000, "indicated": 1005, "mpe": 10}])
    assert r.status_code == 201, r.text
    v = r.json()
    assert (v["points"][0]["mpe_rule"], v["cycle_months"]) == (None, 18)


def test_a_date_before_any_rule_is_refused_naming_the_type_and_date(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    iid = _new(client, world, spring_scale(world))
    r = _post(client, world, iid, "2013-11-14", GOOD_POINTS)
    assert r.status_code == 422
    error = r.json()["error"]
    assert "Spring dial scale (scale_spring_dial) verified on 14/11/2013" in error["message"]
    assert "Cân đồng hồ lò xo (scale_spring_dial) kiểm định ngày 14/11/2013" in error["message_vi"]
    assert error["details"][0]["loc"] == ["body", "verified_on"]


def test_a_load_above_max_is_refused_naming_point_and_rule(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    body = {**spring_scale(world), "e_g": 5, "d_g": 5, "max_g": 5000}
    iid = _new(client, world, body)
    points = [{"reference": 500, "indicated": 500}, {"reference": 15000, "indicated": 15000}]
    r = _post(client, world, iid, "2026-11-02", points)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["message"] == (
        "Point 2: the load 15000 g is above Max = 5000 g: a scale's test loads lie between 0 "
        "and Max (OIML R 76)."
    )
    assert error["message_vi"].startswith("Điểm 2: tải 15000 g lớn hơn Max = 5000 g")
    assert error["details"][0]["loc"] == ["body", "points", 1, "reference"]


def test_the_class_range_still_bounds_a_load_in_the_rulebook() -> None:
    with pytest.raises(NoRuleError, match=r"load 15000 g = 3000 e is beyond class IIII's range"):
        shipped_rulebook().scale_mpe(
            on=date(2026, 11, 2), accuracy_class="IIII", e=Decimal(5), load=Decimal(15000)
        )
