"""Instrument types show their cycles as the rulebook holds them, with the version of each."""

from fastapi.testclient import TestClient

from tests.factories import World


def test_a_type_lists_its_cycle_from_each_rulebook_version(
    client: TestClient, world: World
) -> None:
    r = client.get("/api/v1/instrument-types/taximeter", headers=world.auth("viewer"))
    assert r.status_code == 200
    cycles = r.json()["cycles"]
    assert [(c["effective_from"], c["cycle_months"], c["status"]) for c in cycles] == [
        ("2013-11-15", 12, "unverified"),
        ("2020-01-01", 12, "unverified"),
        ("2024-10-15", 18, "sourced"),
    ]
    assert cycles[-1]["rule"].endswith("phiên bản 2024-10-15")
    assert all(isinstance(c["rule_id"], int) for c in cycles)
