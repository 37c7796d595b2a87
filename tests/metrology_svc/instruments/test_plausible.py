"""Characteristics that contradict each other are refused at registration and edit, by field."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import World, dispenser, spring_scale

API = "/api/v1/instruments"


def _refused(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["details"][0]["loc"] == ["body", field]
    return error


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"e_g": 20000, "d_g": 20000}, "e_g", "e = 20000 g is above Max = 15000 g"),
        ({"d_g": 100}, "d_g", "d = 100 g is above e = 50 g"),
    ],
)
def test_registration_refuses_e_above_max_and_d_above_e(
    client: TestClient, world: World, changes: dict[str, Any], field: str, says: str
) -> None:
    body = {**spring_scale(world), **changes}
    error = _refused(client.post(API, json=body, headers=world.auth("admin")), field)
    assert error["message"].startswith(says)
    assert "OIML R 76-1" in error["message_vi"]


def test_registration_refuses_qmin_above_qmax(client: TestClient, world: World) -> None:
    body = {**dispenser(world), "qmin_lpm": 60}
    error = _refused(client.post(API, json=body, headers=world.auth("admin")), "qmin_lpm")
    assert error["message_vi"] == "Qmin = 60 L/phút lớn hơn Qmax = 50 L/phút."


def test_an_edit_is_checked_against_the_stored_values(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    iid = client.post(API, json=spring_scale(world), headers=h).json()["id"]
    _refused(client.patch(f"{API}/{iid}", json={"max_g": 40}, headers=h), "e_g")
    _refused(client.patch(f"{API}/{iid}", json={"e_g": 20}, headers=h), "d_g")
    ok = client.patch(f"{API}/{iid}", json={"e_g": 20, "d_g": 20}, headers=h)
    assert ok.status_code == 200, ok.text


def test_a_registration_without_class_or_max_is_still_accepted(
    client: TestClient, world: World
) -> None:
    body = {k: v for k, v in spring_scale(world).items() if k not in ("max_g", "accuracy_class")}
    assert client.post(API, json=body, headers=world.auth("admin")).status_code == 201
