"""Inspections over HTTP: open, list and read in scope, close."""

from datetime import date

from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.inspections.support import open_inspection, prepare
from tests.metrology_svc.stamps.support import API, freeze


def test_open_list_get_close(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    a = open_inspection(client, world)
    b = open_inspection(client, world, site_id=world.market_b, role="inspector_b", on="2026-03-02")
    assert (a["site_name"], a["unit_code"], a["closed_at"]) == ("Chợ Kỳ Anh", "18754", None)

    def ids(role: str, **params: object) -> list[int]:
        r = client.get(f"{API}/inspections", params=params, headers=world.auth(role))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert ids("viewer") == [a["id"], b["id"]]  # newest first
    assert ids("inspector_a") == [a["id"]]
    assert ids("inspector_b") == [b["id"]]
    assert ids("admin", unit_code="18781") == [b["id"]]
    assert ids("admin", year=2025) == []
    assert ids("admin", site_id=world.market_a) == [a["id"]]
    url = f"{API}/inspections/{a['id']}"
    assert client.get(url, headers=world.auth("inspector_b")).status_code == 403
    assert client.get(url, headers=world.auth("viewer")).json()["findings"] == []
    assert client.post(f"{url}/close", headers=world.auth("inspector_b")).status_code == 403
    # Issue 16: no closing without a decision and a leader (it used to close bare).
    assert client.post(f"{url}/close", headers=world.auth("inspector_a")).status_code == 422
    prepare(client, world, a["id"])
    assert client.post(f"{url}/close", headers=world.auth("inspector_a")).status_code == 200
    assert client.post(f"{url}/close", headers=world.auth("inspector_a")).status_code == 409
    assert ids("admin", open_only=True) == [b["id"]]


def test_open_refusals(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    body = {"site_id": world.market_a, "inspector": "Lê Văn Hùng", "inspected_on": "2026-11-22"}
    post = f"{API}/inspections"
    assert client.post(post, json=body, headers=world.auth("inspector_b")).status_code == 403
    assert client.post(post, json=body, headers=world.auth("viewer")).status_code == 403
    future = {**body, "inspected_on": "2026-11-23"}
    r = client.post(post, json=future, headers=world.auth("admin"))
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "inspected_on"]
    nowhere = {**body, "site_id": 999_999}
    assert client.post(post, json=nowhere, headers=world.auth("admin")).status_code == 422
    assert client.get(f"{API}/inspections/999999", headers=world.auth("admin")).status_code == 404
    assert (
        client.get(post, params={"unit_code": "nope"}, headers=world.auth("admin")).status_code
        == 422
    )
