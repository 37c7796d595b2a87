"""Owners: validation of contact data, unique tax code, search."""

import unicodedata

from fastapi.testclient import TestClient

from tests.factories import World

API = "/api/v1/owners"


def test_create_and_search(client: TestClient, world: World) -> None:
    body = {
        "kind": "household",
        "name": "Trần Văn Bình",
        "trade_name": "Sạp gạo Bình",
        "phone": "0987 654 321",
        "language": "vi",
    }
    r = client.post(API, json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    found = client.get(API, params={"q": "gạo"}, headers=world.auth("viewer")).json()
    assert [o["name"] for o in found["items"]] == ["Trần Văn Bình"]


def test_duplicate_tax_code_is_409(client: TestClient, world: World) -> None:
    body = {"kind": "company", "name": "Công ty khác", "tax_code": "3000100234"}
    r = client.post(API, json=body, headers=world.auth("admin"))
    assert r.status_code == 409
    assert r.json()["error"]["details"][0]["loc"] == ["body", "tax_code"]


def test_invalid_contact_data_is_422(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    for bad in (
        {"tax_code": "12"},
        {"email": "not-an-email"},
        {"language": "fr"},
        {"phone": "abc"},
    ):
        r = client.post(API, json={"name": "X", **bad}, headers=h)
        assert r.status_code == 422, bad


def test_update_language_and_viewer_cannot(client: TestClient, world: World) -> None:
    r = client.patch(
        f"{API}/{world.owner_vi}", json={"language": "en"}, headers=world.auth("admin")
    )
    assert r.json()["language"] == "en"
    r = client.patch(
        f"{API}/{world.owner_vi}", json={"language": "vi"}, headers=world.auth("viewer")
    )
    assert r.status_code == 403


def test_names_are_stored_in_nfc_without_invisible_characters_and_found(
    client: TestClient, world: World
) -> None:
    """A name typed on a keyboard that writes decomposed accents (NFD) or pasted with a
    zero-width or bidi character is stored as it reads, and a search finds it."""
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Nguyệt") + "\u200b\u202e"
    r = client.post(
        API, json={"name": typed, "address": "Chợ\u2066 Kỳ Anh"}, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Nguyễn Thị Nguyệt"
    assert r.json()["address"] == "Chợ Kỳ Anh"
    found = client.get(API, params={"q": "Nguyệt"}, headers=world.auth("admin")).json()
    assert [o["id"] for o in found["items"]] == [r.json()["id"]]
