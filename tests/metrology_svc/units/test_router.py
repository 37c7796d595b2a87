"""Administrative units: hierarchy rules, admin-only writes, inspectors see their own area."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/v1/units"


def test_district_under_province_gets_a_path(client: TestClient, world: World) -> None:
    r = client.post(
        API,
        json={"code": "438", "name": "Huyện Cẩm Xuyên", "level": "district", "parent_code": "42"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["path"] == "42/438/"


def test_hierarchy_is_enforced(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    commune_under_province = {
        "code": "99999",
        "name": "Xã X",
        "level": "commune",
        "parent_code": "42",
    }
    r = client.post(API, json=commune_under_province, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "parent_code"]
    province_with_parent = {
        "code": "43",
        "name": "Tỉnh Y",
        "level": "province",
        "parent_code": "42",
    }
    assert client.post(API, json=province_with_parent, headers=h).status_code == 422
    dup = {"code": "436", "name": "again", "level": "district", "parent_code": "42"}
    assert client.post(API, json=dup, headers=h).status_code == 409


def test_only_admins_create_units(client: TestClient, world: World) -> None:
    body = {"code": "44", "name": "Tỉnh Z", "level": "province"}
    assert client.post(API, json=body, headers=world.auth("inspector_a")).status_code == 403
    assert client.post(API, json=body, headers=world.auth("viewer")).status_code == 403


def test_inspector_lists_own_area_and_ancestors(client: TestClient, world: World) -> None:
    codes = {u["code"] for u in client.get(API, headers=world.auth("inspector_a")).json()["items"]}
    assert codes == {"42", "436", "18202"}
    all_codes = client.get(API, params={"level": "district"}, headers=world.auth("viewer")).json()
    assert {u["code"] for u in all_codes["items"]} == {"436", "437"}


def test_unknown_code_is_404(client: TestClient, world: World) -> None:
    assert client.get(f"{API}/00000", headers=world.auth("admin")).status_code == 404


@pytest.mark.parametrize(
    "url", ["/api/v1/sites", "/api/v1/instruments", "/api/v1/rounds", "/api/v1/instruments/stats"]
)
def test_an_unknown_unit_code_in_a_query_is_refused(
    client: TestClient, world: World, url: str
) -> None:
    r = client.get(url, params={"unit_code": "99999"}, headers=world.auth("admin"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message_vi"] == "Không có đơn vị hành chính mã '99999'."
    assert error["details"][0]["loc"] == ["query", "unit_code"]
