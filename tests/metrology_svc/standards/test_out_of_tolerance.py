"""Reverse traceability: a standard found out of tolerance reaches every stamp it backed."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.stamps.support import API, check, freeze, new_scale, stamps_of, verify


def _standard(client: TestClient, world: World, code: str) -> None:
    body = {"code": code, "name": f"Quả cân chuẩn {code}", "kind": "weight", "nominal": "20 kg M1"}
    r = client.post(f"{API}/standards", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text


def _arrange(client: TestClient, world: World) -> dict[str, int]:
    """Four scales: W1 before the calibration, W1 after (twice), W2 after."""
    freeze(client, date(2026, 11, 22))
    _standard(client, world, "W1")
    _standard(client, world, "W2")
    ids = {n: new_scale(client, world, serial=n) for n in ("old", "after", "after2", "other")}
    verify(client, world, ids["old"], on="2026-03-01", standards=["W1"])
    verify(client, world, ids["after"], on="2026-06-01", standards=["W1", "W2"])
    verify(client, world, ids["after2"], on="2026-09-01", standards=["W1"])
    verify(client, world, ids["other"], on="2026-09-01", standards=["W2"])
    return ids


def _act(client: TestClient, world: World, action: str, role: str = "admin") -> Any:
    body = {"last_good_calibration": "2026-05-15", "action": action}
    return client.post(f"{API}/standards/W1/out-of-tolerance", json=body, headers=world.auth(role))


def test_revoke_reaches_stamps_since_last_good_calibration(
    client: TestClient, world: World
) -> None:
    ids = _arrange(client, world)
    r = _act(client, world, "revoke")
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(s["instrument_id"] for s in body["stamps"]) == [ids["after"], ids["after2"]]
    assert {(s["status_before"], s["status"]) for s in body["stamps"]} == {("valid", "revoked")}
    assert (body["revoked"], body["instruments_due"]) == (2, 2)
    for name in ("after", "after2"):
        stamp = stamps_of(client, world, ids[name])[0]
        got = check(client, stamp["code"])
        assert (got["state"], got["reason"]) == ("revoked", "standard_out_of_tolerance")
        inst = client.get(f"{API}/instruments/{ids[name]}", headers=world.auth("admin")).json()
        assert (inst["status"], inst["due_date"]) == ("due", "2026-11-22")
    for name in ("old", "other"):
        assert stamps_of(client, world, ids[name])[0]["status"] == "valid"


def test_recall_makes_instruments_due_and_keeps_stamps(client: TestClient, world: World) -> None:
    ids = _arrange(client, world)
    body = _act(client, world, "recall").json()
    assert (body["revoked"], body["instruments_due"]) == (0, 2)
    assert stamps_of(client, world, ids["after"])[0]["status"] == "valid"
    inst = client.get(f"{API}/instruments/{ids['after']}", headers=world.auth("admin")).json()
    assert (inst["status"], inst["due_date"]) == ("due", "2026-11-22")


def test_list_changes_nothing_and_refusals(client: TestClient, world: World) -> None:
    ids = _arrange(client, world)
    listed = _act(client, world, "list", role="inspector_a")
    assert listed.status_code == 200
    assert len(listed.json()["stamps"]) == 2
    assert listed.json()["revoked"] == 0
    assert stamps_of(client, world, ids["after"])[0]["status"] == "valid"
    assert _act(client, world, "revoke", role="inspector_a").status_code == 403
    assert _act(client, world, "list", role="viewer").status_code == 403
    missing = client.post(
        f"{API}/standards/NOPE/out-of-tolerance",
        json={"last_good_calibration": "2026-05-15"},
        headers=world.auth("admin"),
    )
    assert missing.status_code == 404
    future = client.post(
        f"{API}/standards/W1/out-of-tolerance",
        json={"last_good_calibration": "2027-01-01"},
        headers=world.auth("admin"),
    )
    assert future.status_code == 422


def test_superseded_stamps_are_listed_but_left_alone(client: TestClient, world: World) -> None:
    ids = _arrange(client, world)
    verify(client, world, ids["after2"], on="2026-11-01")  # re-verified without W1
    body = _act(client, world, "revoke").json()
    by_instrument = {s["instrument_id"]: s for s in body["stamps"]}
    assert by_instrument[ids["after2"]]["status"] == "superseded"
    assert stamps_of(client, world, ids["after2"])[0]["status"] == "valid"
    assert body["instruments_due"] == 1
