"""Values past what the database stores answer 422 in the common shape, never 500."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import World

# 2**40 passes a PostgreSQL integer column's range, 2**70 SQLite's 64-bit integers (the fuzzer
# found both as 500s: POST /stamps/sheet, GET /sites, GET /audit).
HUGE = [2**40, 2**70]


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_id_in_the_path_is_invalid_not_a_crash(
    client: TestClient, world: World, number: int
) -> None:
    answer = client.get(f"/api/v1/instruments/{number}", headers=world.auth("admin"))
    assert answer.status_code in (404, 422)
    assert answer.json()["error"]["message_vi"]


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_number_in_a_query_or_body_is_invalid_not_a_crash(
    client: TestClient, world: World, number: int
) -> None:
    admin = world.auth("admin")
    listed = client.get("/api/v1/sites", params={"offset": number}, headers=admin)
    sheet = client.post("/api/v1/stamps/sheet", json={"stamp_ids": [number]}, headers=admin)
    for answer in (listed, sheet):
        assert answer.status_code < 500, answer.text
        if answer.status_code == 422:
            assert answer.json()["error"]["code"] == "invalid"
