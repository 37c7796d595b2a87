"""Revoking: reasons, a lost stamp makes the instrument due today, jurisdiction and conflicts."""

from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.stamps.support import API, freeze, issued


@pytest.mark.parametrize(
    "reason", ["failed_inspection", "broken_seal", "lost_or_stolen", "instrument_retired"]
)
def test_revoke_with_each_reason(client: TestClient, world: World, reason: str) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    r = client.post(
        f"{API}/stamps/{stamp['id']}/revoke",
        json={"reason": reason, "note": "đoàn kiểm tra 22/11"},
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["revoke_reason"], body["revoke_note"]) == (
        "revoked",
        reason,
        "đoàn kiểm tra 22/11",
    )
    assert body["revoked_at"] is not None


def test_lost_stamp_makes_the_instrument_due_today(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    iid, admin = stamp["instrument_id"], world.auth("admin")
    before = client.get(f"{API}/instruments/{iid}", headers=admin).json()
    assert (before["status"], before["due_date"]) == ("in_service", "2028-11-02")
    body = {"reason": "lost_or_stolen"}
    assert client.post(f"{API}/stamps/{stamp['id']}/revoke", json=body, headers=admin).is_success
    after = client.get(f"{API}/instruments/{iid}", headers=admin).json()
    assert (after["status"], after["due_date"]) == ("due", "2026-11-22")
    history = client.get(f"{API}/instruments/{iid}/history", headers=admin).json()
    kinds = [e["kind"] for e in history]
    assert kinds[-2:] == ["stamp_revoked", "due_now"]
    assert history[-1]["detail"]["due_date_before"] == "2028-11-02"


def test_a_lost_stamp_never_lifts_a_suspension(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    iid, admin = stamp["instrument_id"], world.auth("admin")
    change = {"action": "suspend", "reason": "đoàn kiểm tra niêm phong"}
    assert client.post(f"{API}/instruments/{iid}/status", json=change, headers=admin).is_success
    body = {"reason": "lost_or_stolen"}
    assert client.post(f"{API}/stamps/{stamp['id']}/revoke", json=body, headers=admin).is_success
    after = client.get(f"{API}/instruments/{iid}", headers=admin).json()
    assert (after["status"], after["due_date"]) == ("suspended", "2026-11-22")


def test_lost_stamp_notifies_the_owner_once(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    first = issued(client, world)
    iid, admin = first["instrument_id"], world.auth("admin")
    body = {"reason": "lost_or_stolen"}
    assert client.post(f"{API}/stamps/{first['id']}/revoke", json=body, headers=admin).is_success
    notices = client.get(f"{API}/notices", params={"instrument_id": iid}, headers=admin).json()
    assert [(n["kind"], n["due_date"], n["recipient_role"]) for n in notices] == [
        ("lost_stamp", "2026-11-22", "owner")
    ]
    assert notices[0]["number"].startswith("TB-MT-")  # the letter number names the kind


def test_other_reasons_leave_the_due_date(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    admin = world.auth("admin")
    client.post(f"{API}/stamps/{stamp['id']}/revoke", json={"reason": "broken_seal"}, headers=admin)
    inst = client.get(f"{API}/instruments/{stamp['instrument_id']}", headers=admin).json()
    assert inst["due_date"] == "2028-11-02"


def test_revoke_refusals(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    url, body = f"{API}/stamps/{stamp['id']}/revoke", {"reason": "broken_seal"}
    assert client.post(url, json=body, headers=world.auth("inspector_b")).status_code == 403
    assert client.post(url, json=body, headers=world.auth("viewer")).status_code == 403
    assert (
        client.post(url, json={"reason": "bored"}, headers=world.auth("admin")).status_code == 422
    )
    assert client.post(url, json=body, headers=world.auth("admin")).status_code == 200
    again = client.post(url, json=body, headers=world.auth("admin"))
    assert again.status_code == 409
    assert again.json()["error"]["message_vi"].startswith("Tem YB-26-000001")
