"""Helpers for stamp tests: register an instrument, verify it, read its stamps."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from metrology_svc.deps import get_today
from tests.factories import World, spring_scale

API = "/api/v1"
# The loads ĐLVN 30:2019 requires on a 15 kg scale, e = 50 g: Min (10 e), ½ Max and Max.
GOOD_POINTS = [
    {"reference": 500, "indicated": 525},
    {"reference": 7500, "indicated": 7450},
    {"reference": 15000, "indicated": 15075},
]
BAD_POINTS = [{"reference": 15000, "indicated": 15076}]


def freeze(client: TestClient, day: date) -> None:
    """Make the app's today a fixed date."""
    client.app.dependency_overrides[get_today] = lambda: day  # type: ignore[attr-defined]


def new_scale(
    client: TestClient,
    world: World,
    *,
    serial: str = "LX-0001",
    seal: str | None = "KC-778812",
    site_id: int | None = None,
) -> int:
    """Register a spring scale and return its id."""
    body = {**spring_scale(world, serial=serial, site_id=site_id), "seal_number": seal}
    r = client.post(f"{API}/instruments", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    iid: int = r.json()["id"]
    return iid


def verify(
    client: TestClient,
    world: World,
    iid: int,
    *,
    on: str = "2026-11-02",
    points: list[dict[str, Any]] | None = None,
    standards: list[str] | None = None,
) -> dict[str, Any]:
    """Record a verification (passing unless points say otherwise) and return it."""
    body = {
        "kind": "periodic",
        "verified_on": on,
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": points or GOOD_POINTS,
        "standard_codes": standards or [],
    }
    r = client.post(
        f"{API}/instruments/{iid}/verifications", json=body, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def stamps_of(client: TestClient, world: World, iid: int) -> list[dict[str, Any]]:
    """Return the instrument's stamps, newest first."""
    r = client.get(f"{API}/stamps", params={"instrument_id": iid}, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    stamps: list[dict[str, Any]] = r.json()
    return stamps


def issued(client: TestClient, world: World, **scale: Any) -> dict[str, Any]:
    """Register a scale, pass it on 2026-11-02 and return its stamp."""
    iid = new_scale(client, world, **scale)
    verify(client, world, iid)
    return stamps_of(client, world, iid)[0]


def check(
    client: TestClient, code: str, headers: dict[str, str] | None = None, /, **params: Any
) -> dict[str, Any]:
    """Return the JSON twin's answer about a code (headers: e.g. an inspector's token; the
    query parameters by name)."""
    r = client.get(f"{API}/stamps/verify", params={"code": code, **params}, headers=headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result
