"""Identifiers and names over the API: invisible characters refused or removed, NFC stored."""

import unicodedata

from fastapi.testclient import TestClient

from tests.factories import World, spring_scale
from tests.metrology_svc.stamps.support import API


def test_a_serial_with_a_bidi_override_is_refused_with_the_character_named(
    client: TestClient, world: World
) -> None:
    body = spring_scale(world, serial="SN\u202e321")
    r = client.post(f"{API}/instruments", json=body, headers=world.auth("admin"))
    assert r.status_code == 422, r.text
    assert "U+202E" in r.text


def test_names_are_stored_in_nfc_without_invisible_characters(
    client: TestClient, world: World
) -> None:
    maker = unicodedata.normalize("NFD", "Nhơn Hòa\u200b")
    body = {
        **spring_scale(world, serial=unicodedata.normalize("NFD", "Số-7")),
        "manufacturer": maker,
    }
    r = client.post(f"{API}/instruments", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["manufacturer"] == "Nhơn Hòa"
    assert r.json()["serial"] == "Số-7"
    site = client.post(
        f"{API}/sites",
        json={"kind": "market", "name": "Chợ\u2066 Mới\u2069", "unit_code": "18754"},
        headers=world.auth("admin"),
    )
    assert site.status_code == 201, site.text
    assert site.json()["name"] == "Chợ Mới"
