"""Instruments through the API: register, identity, filters, jurisdiction, history."""

from fastapi.testclient import TestClient

from tests.factories import World, dispenser, spring_scale

API = "/api/v1/instruments"


def test_register_and_read_back(client: TestClient, world: World) -> None:
    r = client.post(API, json=spring_scale(world), headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "registered"
    assert body["accuracy_class"] == "IIII"
    got = client.get(f"{API}/{body['id']}", headers=world.auth("viewer"))
    assert got.json()["serial"] == "LX-0001"


def test_default_accuracy_class_comes_from_type(client: TestClient, world: World) -> None:
    body = spring_scale(world)
    body.pop("accuracy_class")
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.json()["accuracy_class"] == "IIII"


def test_duplicate_identity_is_409_even_with_other_case(client: TestClient, world: World) -> None:
    assert (
        client.post(API, json=spring_scale(world), headers=world.auth("admin")).status_code == 201
    )
    dup = spring_scale(world, serial=" lx-0001 ")
    dup["manufacturer"] = "NHƠN HÒA"
    r = client.post(API, json=dup, headers=world.auth("admin"))
    assert r.status_code == 409
    assert r.json()["error"]["details"][0]["loc"] == ["body", "serial"]


def test_writes_need_a_token_and_viewers_cannot_write(client: TestClient, world: World) -> None:
    assert client.post(API, json=spring_scale(world)).status_code == 401
    bad = {"Authorization": "Bearer mtk_not-a-real-token"}
    assert client.post(API, json=spring_scale(world), headers=bad).status_code == 401
    assert (
        client.post(API, json=spring_scale(world), headers=world.auth("viewer")).status_code == 403
    )


def test_inspector_is_held_to_jurisdiction(client: TestClient, world: World) -> None:
    outside = client.post(
        API,
        json=spring_scale(world, serial="B-1", site_id=world.market_b),
        headers=world.auth("admin"),
    ).json()
    inside = client.post(
        API, json=spring_scale(world, serial="A-1"), headers=world.auth("admin")
    ).json()
    # Inspector of district 436 cannot create, read, list or change what lies in district 437.
    r = client.post(
        API,
        json=spring_scale(world, serial="B-2", site_id=world.market_b),
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 403
    assert (
        client.get(f"{API}/{outside['id']}", headers=world.auth("inspector_a")).status_code == 403
    )
    r = client.patch(
        f"{API}/{outside['id']}", json={"model": "X"}, headers=world.auth("inspector_a")
    )
    assert r.status_code == 403
    listed = client.get(API, headers=world.auth("inspector_a")).json()
    assert [i["id"] for i in listed["items"]] == [inside["id"]]
    assert client.get(API, headers=world.auth("viewer")).json()["total"] == 2


def test_bad_input_is_422_with_the_field(client: TestClient, world: World) -> None:
    body = spring_scale(world)
    body["max_g"] = -5
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.status_code == 422
    assert any(d["loc"][-1] == "max_g" for d in r.json()["error"]["details"])
    body = spring_scale(world)
    body["type_code"] = "nope"
    assert client.post(API, json=body, headers=world.auth("admin")).status_code == 422
    r = client.post(
        API,
        content=b"{not json",
        headers={**world.auth("admin"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_unknown_id_is_404(client: TestClient, world: World) -> None:
    r = client.get(f"{API}/999999", headers=world.auth("admin"))
    assert r.status_code == 404
    assert r.json()["error"]["message_vi"]


def test_filters_sort_and_pages(client: TestClient, world: World) -> None:
    for n in range(5):
        client.post(API, json=spring_scale(world, serial=f"S-{n}"), headers=world.auth("admin"))
    client.post(API, json=dispenser(world), headers=world.auth("admin"))
    h = world.auth("admin")
    page = client.get(
        API,
        params={"type_code": "scale_spring_dial", "sort": "-serial", "limit": 2, "offset": 1},
        headers=h,
    ).json()
    assert page["total"] == 5
    assert [i["serial"] for i in page["items"]] == ["S-3", "S-2"]
    assert client.get(API, params={"site_id": world.station_a}, headers=h).json()["total"] == 1
    assert client.get(API, params={"owner_id": world.owner_en}, headers=h).json()["total"] == 1
    assert client.get(API, params={"unit_code": "18781"}, headers=h).json()["total"] == 0
    assert client.get(API, params={"unit_code": "42"}, headers=h).json()["total"] == 6
    assert client.get(API, params={"sort": "password"}, headers=h).status_code == 422


def test_retire_keeps_the_record_and_history(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    created = client.post(API, json=spring_scale(world), headers=h).json()
    r = client.post(
        f"{API}/{created['id']}/status",
        json={"action": "retire", "reason": "Hỏng, thay cân mới"},
        headers=h,
    )
    assert r.json()["status"] == "retired"
    assert client.get(f"{API}/{created['id']}", headers=h).status_code == 200
    again = client.post(
        f"{API}/{created['id']}/status", json={"action": "reinstate", "reason": "oops"}, headers=h
    )
    assert again.status_code == 409
    kinds = [e["kind"] for e in client.get(f"{API}/{created['id']}/history", headers=h).json()]
    assert kinds == ["registered", "status_changed"]
