"""Issuing: a pass yields a stamp with serial, valid-until and seal; a new pass supersedes."""

from datetime import date

from fastapi.testclient import TestClient

from metrology_svc.stamps import rules
from tests.factories import World
from tests.metrology_svc.stamps.conftest import BASE_URL
from tests.metrology_svc.stamps.support import (
    BAD_POINTS,
    freeze,
    new_scale,
    stamps_of,
    verify,
)


def test_pass_issues_a_signed_stamp(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    iid = new_scale(client, world, seal="KC-778812")
    v = verify(client, world, iid)
    [stamp] = stamps_of(client, world, iid)
    assert stamp["serial"] == "YB-26-000001"
    assert stamp["valid_until"] == v["valid_until"] == "2028-11-02"
    assert (stamp["seal_number"], stamp["status"]) == ("KC-778812", "valid")
    assert (stamp["verification_id"], stamp["instrument_id"]) == (v["id"], iid)
    assert stamp["url"] == f"{BASE_URL}/v/{stamp['code']}"
    fields, _, _ = rules.decode_code(stamp["code"])
    assert fields == rules.TokenFields(1, stamp["id"], iid, date(2028, 11, 2))


def test_serials_count_up_within_a_year(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    a = new_scale(client, world, serial="A-1")
    b = new_scale(client, world, serial="B-1")
    verify(client, world, a, on="2025-12-30")
    verify(client, world, b, on="2026-01-02")
    verify(client, world, a, on="2026-01-03")
    assert [s["serial"] for s in stamps_of(client, world, a)] == ["YB-26-000002", "YB-25-000001"]
    assert stamps_of(client, world, b)[0]["serial"] == "YB-26-000001"


def test_reverification_supersedes_the_previous_stamp(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    iid = new_scale(client, world)
    verify(client, world, iid, on="2025-06-01")
    verify(client, world, iid, on="2026-11-02")
    new, old = stamps_of(client, world, iid)
    assert (new["status"], old["status"]) == ("valid", "superseded")
    assert old["superseded_by_id"] == new["id"]


def test_fail_and_back_dated_pass_issue_nothing(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    iid = new_scale(client, world)
    verify(client, world, iid, on="2026-11-02")
    verify(client, world, iid, on="2026-11-03", points=BAD_POINTS)
    verify(client, world, iid, on="2026-01-05")  # older than the last pass: history only
    [stamp] = stamps_of(client, world, iid)
    assert (stamp["serial"], stamp["status"]) == ("YB-26-000001", "valid")


def test_stamps_are_scoped_to_the_inspector(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    iid = new_scale(client, world)
    verify(client, world, iid)
    sid = stamps_of(client, world, iid)[0]["id"]
    assert client.get(f"/api/v1/stamps/{sid}", headers=world.auth("inspector_a")).status_code == 200
    assert client.get(f"/api/v1/stamps/{sid}", headers=world.auth("inspector_b")).status_code == 403
    assert client.get(f"/api/v1/stamps/{sid}").status_code == 401
    assert client.get("/api/v1/stamps/999999", headers=world.auth("admin")).status_code == 404
