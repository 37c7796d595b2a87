"""Administrative units: schemes and hierarchy, admin-only writes, inspectors see their area."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/v1/units"


def test_a_2025_commune_sits_directly_under_its_province(client: TestClient, world: World) -> None:
    r = client.get(f"{API}/18073", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    unit = r.json()
    assert (unit["name"], unit["scheme"], unit["level"]) == ("Phường Thành Sen", "2025", "commune")
    assert (unit["path"], unit["valid_from"], unit["valid_to"]) == ("42/18073/", "2025-07-01", None)


def test_a_code_means_different_units_in_different_schemes(
    client: TestClient, world: World
) -> None:
    h = world.auth("admin")
    for code, name, level, parent in [
        ("42", "Tỉnh Hà Tĩnh", "province", None),
        ("436", "Thành phố Hà Tĩnh", "district", "42"),
        ("18073", "Phường Nam Hà", "commune", "436"),
    ]:
        body = {"code": code, "name": name, "level": level, "parent_code": parent, "scheme": "2004"}
        assert client.post(API, json=body, headers=h).status_code == 201
    old = client.get(f"{API}/18073", params={"scheme": "2004"}, headers=h).json()
    new = client.get(f"{API}/18073", headers=h).json()
    assert (old["name"], old["path"], old["valid_to"]) == (
        "Phường Nam Hà",
        "42/436/18073/",
        "2025-07-01",
    )
    assert (new["name"], new["path"]) == ("Phường Thành Sen", "42/18073/")


def test_hierarchy_is_enforced(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    district_now = {"code": "438", "name": "Huyện X", "level": "district", "parent_code": "42"}
    r = client.post(API, json=district_now, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "level"]
    commune_under_commune = {
        "code": "99999",
        "name": "Xã X",
        "level": "commune",
        "parent_code": "18754",
    }
    r = client.post(API, json=commune_under_commune, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["body", "parent_code"]
    old_commune_under_province = {**commune_under_commune, "parent_code": "42", "scheme": "2004"}
    assert client.post(API, json=old_commune_under_province, headers=h).status_code == 422
    province_with_parent = {
        "code": "43",
        "name": "Tỉnh Y",
        "level": "province",
        "parent_code": "42",
    }
    assert client.post(API, json=province_with_parent, headers=h).status_code == 422
    dup = {"code": "18754", "name": "again", "level": "commune", "parent_code": "42"}
    assert client.post(API, json=dup, headers=h).status_code == 409
    unknown_scheme = {**dup, "code": "99998", "scheme": "1999"}
    assert client.post(API, json=unknown_scheme, headers=h).status_code == 422


@pytest.mark.parametrize("bad", ['99"', "99\r\nX: 1", "9 9", "9\u200b9", "Hà"])
def test_a_unit_code_outside_its_alphabet_is_refused(
    client: TestClient, world: World, bad: str
) -> None:
    """A unit code reaches file names and headers: a quote or a line break never gets in."""
    body = {"code": bad, "name": "Tỉnh Z", "level": "province", "scheme": "2004"}
    res = client.post(API, json=body, headers=world.auth("admin"))
    assert res.status_code == 422, res.text
    assert "code" in str(res.json())


def test_only_admins_create_units(client: TestClient, world: World) -> None:
    body = {"code": "44", "name": "Tỉnh Z", "level": "province", "scheme": "2004"}
    assert client.post(API, json=body, headers=world.auth("inspector_a")).status_code == 403
    assert client.post(API, json=body, headers=world.auth("viewer")).status_code == 403


def test_inspector_lists_own_area_and_ancestors(client: TestClient, world: World) -> None:
    codes = {u["code"] for u in client.get(API, headers=world.auth("inspector_a")).json()["items"]}
    assert codes == {"42", "18754"}
    ha_tinh = client.get(
        API, params={"parent_id": world.unit_ids["42"], "limit": 100}, headers=world.auth("viewer")
    ).json()
    assert ha_tinh["total"] == 69
    assert (
        client.get(API, params={"level": "province"}, headers=world.auth("viewer")).json()["total"]
        == 34
    )


def test_schemes_are_listed_with_their_periods(client: TestClient, world: World) -> None:
    schemes = client.get(f"{API}/schemes", headers=world.auth("viewer")).json()
    assert [(s["key"], s["valid_from"], s["valid_to"], s["tiers"]) for s in schemes] == [
        ("2004", None, "2025-07-01", 3),
        ("2025", "2025-07-01", None, 2),
    ]
    assert schemes[1]["data_source"].startswith("vietnam-provinces 2025.10.1")


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
    assert error["message_vi"].startswith("Không có đơn vị hành chính mã '99999'")
    assert error["details"][0]["loc"] == ["query", "unit_code"]
