"""Sites: created in a unit, unique names per unit, jurisdiction on read and write."""

from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/v1/sites"


def test_inspector_creates_a_market_in_own_district(client: TestClient, world: World) -> None:
    body = {
        "kind": "market",
        "name": "Chợ Hoành Sơn",
        "unit_code": "18754",
        "address": "Phường Sông Trí",
        "latitude": 18.05,
        "longitude": 106.3,
    }
    r = client.post(API, json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    assert r.json()["unit_code"] == "18754"
    outside = {**body, "unit_code": "18781", "name": "Chợ khác"}
    assert client.post(API, json=outside, headers=world.auth("inspector_a")).status_code == 403


def test_same_name_in_same_unit_is_409(client: TestClient, world: World) -> None:
    body = {"kind": "market", "name": "Chợ Kỳ Anh", "unit_code": "18754"}
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.status_code == 409


def test_bad_coordinates_and_unit_are_422(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    body = {"kind": "market", "name": "Chợ Z", "unit_code": "18754", "latitude": 123}
    assert client.post(API, json=body, headers=h).status_code == 422
    body = {"kind": "market", "name": "Chợ Z", "unit_code": "nope"}
    assert client.post(API, json=body, headers=h).status_code == 422
    assert client.post(API, json={**body, "kind": "bazaar"}, headers=h).status_code == 422


def test_list_filters_and_scope(client: TestClient, world: World) -> None:
    mine = client.get(API, headers=world.auth("inspector_a")).json()
    assert {s["name"] for s in mine["items"]} == {"Chợ Kỳ Anh", "Cửa hàng xăng dầu số 5"}
    markets = client.get(API, params={"kind": "market"}, headers=world.auth("viewer")).json()
    assert markets["total"] == 2
    in_b = client.get(API, params={"unit_code": "18781"}, headers=world.auth("viewer")).json()
    assert [s["name"] for s in in_b["items"]] == ["Chợ Kỳ Đồng"]
    assert (
        client.get(f"{API}/{world.market_b}", headers=world.auth("inspector_a")).status_code == 403
    )


def test_patch_changes_only_given_fields(client: TestClient, world: World) -> None:
    r = client.patch(
        f"{API}/{world.market_a}",
        json={"address": "Đường Lê Lợi"},
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 200
    assert (r.json()["address"], r.json()["name"]) == ("Đường Lê Lợi", "Chợ Kỳ Anh")
