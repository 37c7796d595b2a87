"""POST /api/v1/sites reads an old code or an address as the unit in force, and says so."""

from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/v1/sites"


def test_an_old_code_creates_the_site_in_its_successor_with_a_warning(
    client: TestClient, world: World
) -> None:
    body = {"kind": "market", "name": "Chợ Bắc Hà", "unit_code": "18077"}
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    site = r.json()
    assert site["unit_code"] == "18073"
    assert site["warnings"] == [
        {
            "message": "Code 18077 (Phường Bắc Hà, Thành phố Hà Tĩnh, 2004 list) → 18073 "
            "Phường Thành Sen",
            "message_vi": "Mã 18077 (Phường Bắc Hà, Thành phố Hà Tĩnh, danh mục 2004) → 18073 "
            "Phường Thành Sen",
        }
    ]
    again = client.get(f"{API}/{site['id']}", headers=world.auth("admin")).json()
    assert again["warnings"] == []  # a warning belongs to the creation only


def test_the_address_alone_names_the_unit(client: TestClient, world: World) -> None:
    body = {"kind": "market", "name": "Chợ Nghèn", "address": "Thị trấn Nghèn, Huyện Can Lộc"}
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["unit_code"] == "18406"
    assert r.json()["address"] == "Thị trấn Nghèn, Huyện Can Lộc"
    assert r.json()["warnings"][0]["message_vi"].startswith("Địa chỉ cũ")


def test_a_current_code_gives_no_warning(client: TestClient, world: World) -> None:
    body = {"kind": "market", "name": "Chợ mới", "unit_code": "18754"}
    r = client.post(API, json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    assert r.json()["warnings"] == []


def test_jurisdiction_is_checked_on_the_converted_unit(client: TestClient, world: World) -> None:
    body = {"kind": "market", "name": "Chợ Bắc Hà", "unit_code": "18077"}  # now 18073
    assert client.post(API, json=body, headers=world.auth("inspector_a")).status_code == 403


def test_unknown_or_missing_units_are_refused(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    r = client.post(API, json={"kind": "market", "name": "X", "unit_code": "18075"}, headers=h)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["details"][0]["loc"] == ["body", "unit_code"]
    assert "Gần giống nhất" in error["message_vi"]
    assert "Closest" in error["message"]
    r = client.post(API, json={"kind": "market", "name": "X"}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["message_vi"].startswith("Cần mã đơn vị hành chính")
