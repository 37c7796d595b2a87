"""Offline sync: each finding once, its consequences once, bad items rejected with a reason."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metrology_svc.core.errors import Invalid
from metrology_svc.inspections import sync as sync_module
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.instruments.service import record_event
from tests.factories import World
from tests.metrology_svc.inspections.support import (
    finding,
    history_kinds,
    instrument,
    notices,
    open_inspection,
    prepare,
    statuses,
    sync,
)
from tests.metrology_svc.stamps.support import API, freeze, issued, stamps_of

# 15 kg spring dial scale, e = 50 g: at 15 kg the verification MPE is 75 g, in service 150 g.
BEYOND_IN_SERVICE = [{"reference": 15000, "indicated": 15151}]
BEYOND_VERIFICATION_ONLY = [{"reference": 15000, "indicated": 15100}]


def test_broken_seal_revokes_suspends_and_asks_after_repair_verification_once(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    iid = stamp["instrument_id"]
    insp = open_inspection(client, world)
    batch = [finding("broken_seal", stamp_code=stamp["code"], note="kẹp chì bị cắt")]

    first = sync(client, world, insp["id"], batch)
    assert (first["created"], first["duplicate"], first["rejected"]) == (1, 0, 0)
    revoked = stamps_of(client, world, iid)[0]
    assert (revoked["status"], revoked["revoke_reason"]) == ("revoked", "broken_seal")
    assert instrument(client, world, iid)["status"] == "suspended"
    kinds = history_kinds(client, world, iid)
    assert kinds[-2:] == ["stamp_revoked", "inspection_finding"]
    # Issue 16: no letter saying a verification failed (none took place); the result notice
    # tells the party instead, and the finding proposes suspension and an after-repair
    # verification, once.
    assert notices(client, world, iid) == []

    again = sync(client, world, insp["id"], batch)  # the phone resends after a lost reply
    assert statuses(again) == ["duplicate"]
    assert again["items"][0]["finding_id"] == first["items"][0]["finding_id"]
    assert history_kinds(client, world, iid) == kinds
    assert notices(client, world, iid) == []
    detail = client.get(f"{API}/inspections/{insp['id']}", headers=world.auth("viewer")).json()
    assert [f["kind"] for f in detail["findings"]] == ["broken_seal"]
    assert detail["findings"][0]["revoked_stamp_ids"] == [stamp["id"]]
    assert detail["findings"][0]["status_before"] == "in_service"
    assert detail["findings_by_kind"] == {"broken_seal": 1}
    proposed = [(m["kind"], m["after_repair"]) for m in detail["measures"]]
    assert proposed == [("suspension", False), ("verification_request", True)]


def test_error_is_judged_against_the_in_service_mpe(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    iid = stamp["instrument_id"]
    insp = open_inspection(client, world)
    result = sync(
        client,
        world,
        insp["id"],
        [
            finding("error_beyond_mpe", instrument_id=iid, points=BEYOND_VERIFICATION_ONLY),
            finding("ok", instrument_id=iid, points=BEYOND_VERIFICATION_ONLY),
        ],
    )
    # 100 g off is beyond the verification MPE (75 g) but within the in-service one (150 g).
    assert statuses(result) == ["rejected", "created"]
    assert result["items"][0]["details"][0]["loc"] == ["items", 0, "kind"]
    assert "trong sai số cho phép" in result["items"][0]["message_vi"]
    assert instrument(client, world, iid)["status"] == "in_service"

    result = sync(
        client,
        world,
        insp["id"],
        [finding("error_beyond_mpe", instrument_id=iid, points=BEYOND_IN_SERVICE)],
    )
    assert statuses(result) == ["created"]
    # Issue 16: beyond the in-service limit suspends (it used to mark the instrument failed).
    assert instrument(client, world, iid)["status"] == "suspended"
    revoked = stamps_of(client, world, iid)[0]
    assert (revoked["status"], revoked["revoke_reason"]) == ("revoked", "failed_inspection")
    stored = client.get(f"{API}/inspections/{insp['id']}", headers=world.auth("admin")).json()
    point = stored["findings"][-1]["points"][0]
    assert (point["error"], point["mpe"], point["passed"]) == (151.0, 150.0, False)


def test_a_bad_item_is_rejected_and_the_rest_stored(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    insp = open_inspection(client, world)
    good = finding("ok", stamp_code=stamp["code"], observed_at="2026-11-22T09:30:00+07:00")
    result = sync(
        client,
        world,
        insp["id"],
        [
            {"client_uuid": "not-a-uuid", "kind": "ok", "instrument_id": 1},
            good,
            finding("broken_seal", instrument_id=999_999),
            finding("ok", stamp_code="A" * 120),  # well-formed, but not signed by us
            finding("no_stamp"),  # neither instrument nor note
            finding("error_beyond_mpe", instrument_id=stamp["instrument_id"]),  # no points
            good,  # the same UUID twice in one batch
            "not even an object",
            finding("ok", instrument_id=2**40),  # beyond what an id column holds
            finding("ok", instrument_id=1, observed_at="2026-11-22T09:30:00"),  # no offset
        ],
    )
    assert statuses(result) == [
        "rejected",
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "duplicate",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert (result["created"], result["duplicate"], result["rejected"]) == (1, 1, 8)
    assert result["items"][9]["details"][0]["loc"] == ["items", 9, "observed_at"]
    first = result["items"][0]
    assert first["client_uuid"] == "not-a-uuid"
    assert first["details"][0]["loc"] == ["items", 0, "client_uuid"]
    assert result["items"][2]["details"][0]["loc"] == ["items", 2, "instrument_id"]
    assert result["items"][3]["details"][0]["loc"] == ["items", 3, "stamp_code"]
    for item in result["items"]:
        assert item["status"] != "rejected" or (item["message"] and item["message_vi"])
    detail = client.get(f"{API}/inspections/{insp['id']}", headers=world.auth("admin")).json()
    assert [f["client_uuid"] for f in detail["findings"]] == [good["client_uuid"]]
    assert detail["findings"][0]["observed_at"].startswith("2026-11-22T02:30:00")  # UTC
    assert stamps_of(client, world, stamp["instrument_id"])[0]["status"] == "valid"


def test_expired_stamp_is_checked_against_the_stamp(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)  # valid until 2028-11-02
    insp = open_inspection(client, world)
    early = sync(client, world, insp["id"], [finding("expired_stamp", stamp_code=stamp["code"])])
    assert statuses(early) == ["rejected"]
    assert "2028-11-02" in early["items"][0]["message"]

    freeze(client, date(2028, 12, 1))
    later = open_inspection(client, world, on="2028-12-01")
    result = sync(client, world, later["id"], [finding("expired_stamp", stamp_code=stamp["code"])])
    assert statuses(result) == ["created"]
    iid = stamp["instrument_id"]
    # Issue 16: an expired stamp makes the instrument "not to be used" (it used to suspend it
    # and revoke the stamp as a failed inspection); the expired stamp is left as it is, and
    # the overdue recall keyed on its due date is the notice.
    assert instrument(client, world, iid)["status"] == "not_to_be_used"
    assert stamps_of(client, world, iid)[0]["status"] == "valid"
    assert [(n["kind"], n["due_date"]) for n in notices(client, world, iid)] == [
        ("overdue_recall", "2028-11-02")
    ]


def test_ok_and_no_stamp_change_nothing(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    iid = stamp["instrument_id"]
    insp = open_inspection(client, world)
    result = sync(
        client,
        world,
        insp["id"],
        [
            finding("ok", instrument_id=iid),
            finding("no_stamp", note="cân đồng hồ không có tem, sạp số 12"),
        ],
    )
    assert statuses(result) == ["created", "created"]
    assert instrument(client, world, iid)["status"] == "in_service"
    assert stamps_of(client, world, iid)[0]["status"] == "valid"
    assert notices(client, world, iid) == []
    assert history_kinds(client, world, iid)[-1] == "inspection_finding"


def test_closed_inspection_refuses_new_findings_but_answers_resends(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    insp = open_inspection(client, world)
    sent = finding("ok", instrument_id=stamp["instrument_id"])
    sync(client, world, insp["id"], [sent])
    prepare(client, world, insp["id"])
    r = client.post(f"{API}/inspections/{insp['id']}/close", headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    assert r.json()["closed_at"] is not None
    result = sync(client, world, insp["id"], [sent, finding("ok", instrument_id=1)])
    assert statuses(result) == ["duplicate", "rejected"]
    other = open_inspection(client, world)
    moved = sync(client, world, other["id"], [sent])  # one UUID cannot move between inspections
    assert statuses(moved) == ["rejected"]


def test_sync_is_scoped_to_the_inspection_unit(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    insp = open_inspection(client, world)
    batch = [finding("broken_seal", stamp_code=stamp["code"])]
    sync(client, world, insp["id"], batch, role="inspector_b", expect=403)
    sync(client, world, insp["id"], batch, role="viewer", expect=403)
    assert stamps_of(client, world, stamp["instrument_id"])[0]["status"] == "valid"
    sync(client, world, 999_999, batch, expect=404)
    sync(client, world, insp["id"], [], expect=422)


def test_a_resend_racing_the_first_send_is_a_duplicate(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    iid = stamp["instrument_id"]
    insp = open_inspection(client, world)
    batch = [finding("broken_seal", instrument_id=iid)]
    assert statuses(sync(client, world, insp["id"], batch)) == ["created"]
    # The second request looks before the first one's row is visible: only the unique key
    # on the UUID stops it, and the item still comes back as a duplicate, acted on once.
    real = InspectionRepository.stored_uuids
    calls: list[int] = []

    def blind_first(self: InspectionRepository, uuids: list[str]) -> dict[str, tuple[int, int]]:
        calls.append(len(uuids))
        return {} if len(calls) == 1 else real(self, uuids)

    monkeypatch.setattr(InspectionRepository, "stored_uuids", blind_first)
    again = sync(client, world, insp["id"], batch)
    assert statuses(again) == ["duplicate"]
    assert len(calls) == 2
    assert history_kinds(client, world, iid).count("inspection_finding") == 1
    detail = client.get(f"{API}/inspections/{insp['id']}", headers=world.auth("admin")).json()
    assert len(detail["measures"]) == 2  # suspension and after-repair verification, once


def test_an_item_failing_midway_leaves_nothing_behind(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(client, date(2026, 11, 22))
    first, second = issued(client, world, serial="LX-A"), issued(client, world, serial="LX-B")
    insp = open_inspection(client, world)

    # The last step of a finding (its history event) fails for the first instrument; a broken
    # seal no longer raises a notice (issue 16), so the failure is injected one step later.
    def refuse_first(session: Any, **kw: Any) -> None:
        if kw["instrument_id"] == first["instrument_id"]:
            raise Invalid("event refused", message_vi="sự kiện bị từ chối")
        record_event(session, **kw)

    monkeypatch.setattr(sync_module, "record_event", refuse_first)
    result = sync(
        client,
        world,
        insp["id"],
        [
            finding("broken_seal", instrument_id=first["instrument_id"]),
            finding("broken_seal", instrument_id=second["instrument_id"]),
        ],
    )
    assert statuses(result) == ["rejected", "created"]
    assert result["items"][0]["message_vi"] == "sự kiện bị từ chối"
    # The stamp revocation and status change made before the failure were undone with it.
    a = first["instrument_id"]
    assert stamps_of(client, world, a)[0]["status"] == "valid"
    assert instrument(client, world, a)["status"] == "in_service"
    assert "stamp_revoked" not in history_kinds(client, world, a)
    assert stamps_of(client, world, second["instrument_id"])[0]["status"] == "revoked"
