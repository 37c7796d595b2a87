"""Helpers for inspection tests: open an inspection, sync findings, read what they did."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.stamps.support import API


def open_inspection(
    client: TestClient,
    world: World,
    *,
    site_id: int | None = None,
    on: str = "2026-11-22",
    role: str = "inspector_a",
) -> dict[str, Any]:
    """Open an inspection at a site (default: market A) and return it."""
    body = {"site_id": site_id or world.market_a, "inspector": "Lê Văn Hùng", "inspected_on": on}
    r = client.post(f"{API}/inspections", json=body, headers=world.auth(role))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def finding(kind: str, **fields: Any) -> dict[str, Any]:
    """Return a finding as the phone sends it, with a fresh UUID."""
    return {"client_uuid": str(uuid.uuid4()), "kind": kind, **fields}


def sync(
    client: TestClient,
    world: World,
    inspection_id: int,
    items: list[Any],
    *,
    role: str = "inspector_a",
    expect: int = 200,
) -> dict[str, Any]:
    """Post a batch of findings and return the per-item outcome."""
    r = client.post(
        f"{API}/inspections/{inspection_id}/findings/sync",
        json={"items": items},
        headers=world.auth(role),
    )
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result


def statuses(result: dict[str, Any]) -> list[str]:
    """Return each item's status in batch order."""
    return [i["status"] for i in result["items"]]


def instrument(client: TestClient, world: World, iid: int) -> dict[str, Any]:
    """Return an instrument as the admin sees it."""
    result: dict[str, Any] = client.get(
        f"{API}/instruments/{iid}", headers=world.auth("admin")
    ).json()
    return result


def notices(client: TestClient, world: World, iid: int) -> list[dict[str, Any]]:
    """Return the notices about an instrument."""
    r = client.get(f"{API}/notices", params={"instrument_id": iid}, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


def history_kinds(client: TestClient, world: World, iid: int) -> list[str]:
    """Return the kinds of an instrument's events, oldest first."""
    r = client.get(f"{API}/instruments/{iid}/history", headers=world.auth("admin"))
    return [e["kind"] for e in r.json()]


def decision_body(world: World, **fields: Any) -> dict[str, Any]:
    """Return a decision for an inspection at market A on 2026-11-22 (its board inspected)."""
    return {
        "decided_on": "2026-11-16",
        "legal_bases": [],
        "signer_position": "KT. GIÁM ĐỐC/PHÓ GIÁM ĐỐC",
        "signer_name": "Trần Văn Bình",
        "party_kind": "organisation",
        "organisation_name": "Ban Quản lý chợ Kỳ Anh",
        "party_address": "Chợ Kỳ Anh, phường Sông Trí, tỉnh Hà Tĩnh",
        "representative_name": "Nguyễn Thị Hoa",
        "representative_position": "Trưởng ban",
        "inspect_from": "2026-11-20",
        "inspect_to": "2026-11-25",
        "place": "Chợ Kỳ Anh, phường Sông Trí, tỉnh Hà Tĩnh",
        **fields,
    }


TEAM = [
    {
        "role": "leader",
        "name": "Lê Văn Hùng",
        "title": "Kiểm tra viên đo lường",
        "agency": "Chi cục Tiêu chuẩn Đo lường Chất lượng",
        "certificate_no": "KTV-042-2025",
    },
    {"role": "member", "name": "Phạm Thị Lan", "title": "Chuyên viên"},
    {
        "role": "cooperating",
        "name": "Võ Minh Tuấn",
        "title": "Cán bộ quản lý thị trường",
        "agency": "Đội Quản lý thị trường số 3",
    },
]


def put(
    client: TestClient,
    world: World,
    inspection_id: int,
    what: str,
    body: dict[str, Any],
    *,
    role: str = "inspector_a",
    expect: int = 200,
) -> dict[str, Any]:
    """PUT an inspection's decision or team and return the answer."""
    r = client.put(f"{API}/inspections/{inspection_id}/{what}", json=body, headers=world.auth(role))
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result


def prepare(client: TestClient, world: World, inspection_id: int, **decision: Any) -> None:
    """Give an inspection its decision and team, so it can be closed."""
    put(client, world, inspection_id, "decision", decision_body(world, **decision))
    put(client, world, inspection_id, "team", {"members": TEAM})
