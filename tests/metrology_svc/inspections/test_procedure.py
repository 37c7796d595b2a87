"""The inspection procedure: decision, team, findings in the law's terms with their own
consequences, measures, closing; not_to_be_used lifted by a passing verification only."""

import importlib
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from metrology_svc.inspections.models import FindingKind, Inspection, InspectionFinding
from metrology_svc.instruments.models import InstrumentStatus
from tests.factories import World
from tests.metrology_svc.inspections.flow import run
from tests.metrology_svc.inspections.support import (
    TEAM,
    decision_body,
    finding,
    instrument,
    notices,
    open_inspection,
    put,
    statuses,
    sync,
)
from tests.metrology_svc.stamps.support import API, freeze, issued, stamps_of, verify
from tests.schedules.support import add_instrument


def _detail(client: TestClient, world: World, insp: int) -> dict[str, Any]:
    r = client.get(f"{API}/inspections/{insp}", headers=world.auth("viewer"))
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def test_a_full_inspection_from_decision_to_close(client: TestClient, world: World) -> None:
    flow = run(client, world)
    ids, insp = flow.ids, flow.inspection["id"]
    assert flow.decision["number_text"] == "Số: 1/QĐ-SKHCN"
    assert flow.decision["issuing_body"] == "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"
    assert flow.decision["party_name"] == "Nguyễn Thị Hoa" or flow.decision["party_name"]
    assert len(flow.decision["legal_bases"]) == 2  # the defaults: Law 04/2011, Circular 28/2013
    # Each kind's own consequence on the instrument.
    status = {k: instrument(client, world, i)["status"] for k, i in ids.items()}
    assert status == {
        "broken_seal": "suspended",
        "error_beyond_mpe": "suspended",
        "no_stamp": "not_to_be_used",
        "type_not_approved": "suspended",
        "unsuitable_scale": "in_service",
        "stamp_forged": "not_to_be_used",
        "expired_stamp": "not_to_be_used",
    }
    reasons = {k: stamps_of(client, world, ids[k])[0]["revoke_reason"] for k in ids}
    assert reasons == {
        "broken_seal": "broken_seal",
        "error_beyond_mpe": "failed_inspection",
        "no_stamp": "lost_or_stolen",
        "type_not_approved": None,
        "unsuitable_scale": None,
        "stamp_forged": None,
        "expired_stamp": None,
    }
    # Notices only where their words are true: the expired stamp's overdue recall, and the
    # stamp on record but missing from the instrument is lost (the stamps module's notice).
    sent = {k: [n["kind"] for n in notices(client, world, i)] for k, i in ids.items()}
    assert {k: v for k, v in sent.items() if v} == {
        "expired_stamp": ["overdue_recall"],
        "no_stamp": ["lost_stamp"],
    }
    detail = _detail(client, world, insp)
    forged = next(f for f in detail["findings"] if f["kind"] == "stamp_forged")
    assert forged["stamp_state"] == "copied"
    measures = [(m["kind"], m["instrument_id"]) for m in detail["measures"]]
    violations = {i for k, i in measures if k == "violation_proposal"}
    assert violations == {
        ids["no_stamp"], ids["stamp_forged"], ids["type_not_approved"],
        ids["unsuitable_scale"], None,  # the unnamed scale without a stamp
    }  # fmt: skip
    suspensions = {i for k, i in measures if k == "suspension"}
    assert suspensions == {ids["broken_seal"], ids["error_beyond_mpe"], ids["type_not_approved"]}
    # The sealing was stored once although sent twice; its seal numbers are kept.
    assert flow.measure_answers == [201, 200]
    sealing = [m for m in detail["measures"] if m["kind"] == "sealing"]
    assert [m["seal_numbers"] for m in sealing] == [["NP-0012", "NP-0013"]]
    asked = [m for m in detail["measures"] if m["kind"] == "verification_request"]
    assert any(m["deadline"] == "2026-12-07" for m in asked)
    assert [m["role"] for m in detail["team"]] == ["leader", "member", "cooperating"]
    assert detail["team"][0]["certificate_no"] == "KTV-042-2025"
    assert (detail["party_signature"], detail["closed_at"] is not None) == ("refused", True)


def test_a_passing_verification_returns_not_to_be_used_to_service(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world, serial="NHS-NOSTAMP")
    iid = stamp["instrument_id"]
    insp = open_inspection(client, world)
    assert statuses(sync(client, world, insp["id"], [finding("no_stamp", instrument_id=iid)])) == [
        "created"
    ]
    assert instrument(client, world, iid)["status"] == "not_to_be_used"
    # A person cannot lift it by hand; a failing verification makes it failed, not in service.
    r = client.post(
        f"{API}/instruments/{iid}/status", json={"action": "reinstate"},
        headers=world.auth("admin"),
    )  # fmt: skip
    assert r.status_code >= 400
    assert instrument(client, world, iid)["status"] == "not_to_be_used"
    verify(client, world, iid, on="2026-11-22")
    after = instrument(client, world, iid)
    assert (after["status"], after["due_date"]) == ("in_service", "2028-11-22")
    assert stamps_of(client, world, iid)[0]["status"] == "valid"


def _error(r: Any, loc_end: str) -> None:
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["message"]
    assert err["message_vi"] != err["message"]
    assert err["details"][0]["loc"][-1] == loc_end, err


def test_bad_input_is_refused_in_vietnamese_and_english(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    here = issued(client, world, serial="NHS-HERE")
    elsewhere = issued(client, world, serial="NHS-THERE", site_id=world.market_b)
    insp = open_inspection(client, world)["id"]
    url = f"{API}/inspections/{insp}"
    auth = world.auth("inspector_a")

    def decision(**fields: Any) -> Any:
        return client.put(f"{url}/decision", json=decision_body(world, **fields), headers=auth)

    _error(decision(inspect_to="2026-11-19"), "inspect_to")
    _error(decision(decided_on="2026-11-23"), "decided_on")
    _error(decision(inspect_from="2026-11-23", inspect_to="2026-11-30"), "inspect_from")
    _error(decision(organisation_name=""), "organisation_name")
    _error(decision(party_kind="owner", owner_id=world.owner_en), "owner_id")  # not at market A
    _error(client.post(f"{url}/close", headers=auth), "inspection_id")  # no decision

    def team(members: list[dict[str, Any]]) -> Any:
        return client.put(f"{url}/team", json={"members": members}, headers=auth)

    _error(team(TEAM[1:]), "members")
    _error(team([{**TEAM[0], "certificate_no": " "}, *TEAM[1:]]), "certificate_no")
    _error(team([TEAM[0], {**TEAM[2], "agency": ""}]), "agency")

    def measure(**body: Any) -> Any:
        return client.post(f"{url}/measures", json=body, headers=auth)

    _error(measure(kind="sealing", instrument_id=here["instrument_id"]), "seal_numbers")
    _error(measure(kind="suspension"), "instrument_id")
    _error(measure(kind="verification_request", instrument_id=here["instrument_id"]), "deadline")
    _error(measure(kind="violation_proposal"), "note")
    _error(measure(kind="suspension", instrument_id=elsewhere["instrument_id"]), "instrument_id")
    result = sync(
        client, world, insp,
        [
            finding("stamp_forged", instrument_id=here["instrument_id"], stamp_code=here["code"]),
            finding("unsuitable_scale", instrument_id=here["instrument_id"]),
            finding("type_not_approved", note="không rõ cân nào"),
            finding("expired_stamp", instrument_id=here["instrument_id"]),  # valid to 2028
        ],
    )  # fmt: skip
    assert statuses(result) == ["rejected"] * 4
    assert "02/11/2028" in result["items"][3]["message_vi"]
    for item in result["items"]:
        assert item["message"]
        assert item["message_vi"]
    assert "tem thật" in result["items"][0]["message_vi"]
    put(client, world, insp, "decision", decision_body(world))
    _error(client.post(f"{url}/close", headers=auth), "inspection_id")  # no leader
    put(client, world, insp, "team", {"members": TEAM})
    r = client.post(f"{url}/close", json={"party_signature": "refused"}, headers=auth)
    _error(r, "refusal_note")
    assert client.post(f"{url}/close", headers=auth).status_code == 200
    assert decision().status_code == 409  # closed: the decision is history
    assert (
        client.put(
            f"{url}/team", json={"members": TEAM}, headers=world.auth("inspector_b")
        ).status_code
        == 403
    )


def test_the_migration_makes_expired_stamp_instruments_not_to_be_used(
    db: Session, world: World
) -> None:
    migration = importlib.import_module(
        "metrology_svc.migrations.versions.1602_inspection_procedure"
    )
    expired = add_instrument(db, world, serial="OLD-EXP", due_date=date(2026, 1, 1))
    later = add_instrument(db, world, serial="OLD-SEAL", due_date=date(2026, 1, 1))
    sealed = add_instrument(db, world, serial="OLD-ONLY-SEAL", due_date=date(2028, 1, 1))
    for scale in (expired, later, sealed):
        scale.status = InstrumentStatus.SUSPENDED
    db.add_all([expired, later, sealed])
    db.flush()
    insp = Inspection(
        site_id=world.market_a, inspector="Lê Văn Hùng", inspected_on=date(2026, 2, 1)
    )
    db.add(insp)
    db.flush()
    rows = [
        (expired, FindingKind.EXPIRED_STAMP),
        (later, FindingKind.EXPIRED_STAMP),
        (later, FindingKind.BROKEN_SEAL),  # the latest change was a broken seal: stays
        (sealed, FindingKind.BROKEN_SEAL),
    ]
    for n, (scale, kind) in enumerate(rows):
        row = InspectionFinding(
            client_uuid=f"00000000-0000-0000-0000-00000000000{n}",
            inspection_id=insp.id or 0,
            kind=kind,
            instrument_id=scale.id,
            status_before="overdue",
            status_after="suspended",
        )
        db.add(row)
        db.flush()
    db.execute(text(migration.EXPIRED_TO_NOT_TO_BE_USED))
    for scale in (expired, later, sealed):
        db.refresh(scale)
    assert [s.status for s in (expired, later, sealed)] == [
        "not_to_be_used",
        "suspended",
        "suspended",
    ]


def test_measures_sync_from_the_field_exactly_once(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world, serial="NHS-FIELD")
    iid = stamp["instrument_id"]
    insp = open_inspection(client, world)["id"]
    sealing = {
        "client_uuid": "0b6f7a3e-8a55-4b8f-9f57-5c3c7d1f0a01",
        "kind": "sealing",
        "instrument_id": iid,
        "seal_numbers": ["NP-0101"],
    }
    body = {
        "items": [finding("broken_seal", instrument_id=iid)],
        "measures": [
            sealing,
            {**sealing, "client_uuid": None},  # a field measure needs its UUID
            {"client_uuid": "0b6f7a3e-8a55-4b8f-9f57-5c3c7d1f0a02", "kind": "sealing"},
            "not a measure",
        ],
    }
    url = f"{API}/inspections/{insp}/findings/sync"
    r = client.post(url, json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    result = r.json()
    assert statuses(result) == ["created"]
    assert [m["status"] for m in result["measures"]] == ["created", *["rejected"] * 3]
    assert result["measures"][2]["details"][0]["loc"] == ["measures", 2, "seal_numbers"]
    assert all(m["message_vi"] for m in result["measures"][1:])
    again = client.post(url, json={"measures": [sealing]}, headers=world.auth("inspector_a"))
    assert [m["status"] for m in again.json()["measures"]] == ["duplicate"]
    assert again.json()["measures"][0]["measure_id"] == result["measures"][0]["measure_id"]
    detail = _detail(client, world, insp)
    assert [m["kind"] for m in detail["measures"]].count("sealing") == 1
    assert instrument(client, world, iid)["status"] == "suspended"
    other = client.post(url, json={"measures": [sealing]}, headers=world.auth("inspector_b"))
    assert other.status_code == 403
    resend = client.post(
        f"{API}/inspections/{insp}/measures", json=sealing, headers=world.auth("inspector_b")
    )
    assert resend.status_code == 403  # a resend is answered only within the jurisdiction
