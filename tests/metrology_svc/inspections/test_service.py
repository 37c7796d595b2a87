"""Every step of an inspection leaves an audit record saying what it set."""

import uuid
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import audited, last_audited
from tests.metrology_svc.inspections.flow import run
from tests.metrology_svc.inspections.support import TEAM, open_inspection, prepare
from tests.metrology_svc.stamps.support import freeze


def test_a_whole_inspection_is_in_the_audit_chain(
    client: TestClient, world: World, db: Session
) -> None:
    flow = run(client, world)
    insp = flow.inspection["id"]
    opened = last_audited(db, "inspection.open")
    assert (opened.entity, opened.entity_id, opened.actor) == (
        "inspection",
        insp,
        "Test inspector_a",
    )
    assert (opened.detail["site_id"], opened.detail["inspected_on"]) == (
        world.market_a,
        "2026-11-22",
    )
    decided = last_audited(db, "inspection.decision")
    assert decided.entity == "inspection_decision"
    assert decided.entity_id is not None
    assert decided.detail["inspection_id"] == insp
    assert decided.detail["number_text"] == "Số: 1/QĐ-SKHCN"
    team = last_audited(db, "inspection.team")
    assert (team.entity, team.entity_id) == ("inspection", insp)
    assert [m["name"] for m in team.detail["members"]] == [m["name"] for m in TEAM]
    findings = audited(db, "inspection.finding")
    assert len(findings) == 8  # one per stored finding, none for the resends
    error = next(f for f in findings if f.detail["kind"] == "error_beyond_mpe")
    assert error.entity == "inspection_finding"
    assert error.detail["instrument_id"] == flow.ids["error_beyond_mpe"]
    assert error.detail["points"][0]["indicated"] == 15151  # the values, hashed
    measures = audited(db, "inspection.measure")
    assert [m.detail["kind"] for m in measures] == ["sealing", "verification_request"]  # sent twice
    assert measures[0].entity == "inspection_measure"
    assert measures[0].detail["seal_numbers"] == ["NP-0012", "NP-0013"]
    closed = last_audited(db, "inspection.close")
    assert (closed.entity, closed.entity_id) == ("inspection", insp)
    assert closed.detail["closed_at"] is not None
    assert closed.detail["party_signature"] == "refused"


def test_measures_synced_in_a_batch_are_audited_once_each(
    client: TestClient, world: World, db: Session
) -> None:
    freeze(client, date(2026, 11, 22))
    insp = open_inspection(client, world)["id"]
    prepare(client, world, insp)
    note = {"client_uuid": str(uuid.uuid4()), "kind": "violation_proposal", "note": "cân gian"}
    bad = {"client_uuid": str(uuid.uuid4()), "kind": "sealing"}  # no seal numbers: rejected
    r = client.post(
        f"/api/v1/inspections/{insp}/findings/sync",
        json={"measures": [note, bad, note]},
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 200, r.text
    assert [m["status"] for m in r.json()["measures"]] == ["created", "rejected", "duplicate"]
    [record] = audited(db, "inspection.measure")
    stored = r.json()["measures"][0]["measure_id"]
    assert (record.entity, record.entity_id) == ("inspection_measure", stored)
    assert (record.detail["kind"], record.detail["note"]) == ("violation_proposal", "cân gian")
    assert record.detail["client_uuid"] == note["client_uuid"]
