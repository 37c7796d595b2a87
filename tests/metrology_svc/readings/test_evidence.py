"""Closing an inspection request is audited with its outcome."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.metrology_svc.audit.support import audited
from tests.metrology_svc.readings.test_router import _arrange


def test_closing_a_request_is_audited(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    base = f"/api/v1/sites/{w.market_a}/inspection-requests"
    (request,) = client.get(base, headers=w.auth("admin")).json()
    body = {"outcome": "Cân sai 60 g, đã niêm phong"}
    for _ in range(2):  # the second answers 409 and leaves no record
        client.post(f"{base}/{request['id']}/close", json=body, headers=w.auth("inspector_a"))
    [record] = audited(db, "inspection_request.close")
    assert (record.entity, record.entity_id, record.actor) == (
        "inspection_request",
        request["id"],
        "Test inspector_a",
    )
    assert (record.detail["site_id"], record.detail["outcome"]) == (w.market_a, body["outcome"])
    assert record.detail["instrument_id"] == request["instrument_id"]
    assert record.detail["closed_at"] is not None
