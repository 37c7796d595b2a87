"""HTTP: devices with liveness, sellers and evidence, inspection requests, the live feed."""

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from devices.store import store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import Device
from tests.devices.ingest.support import Market, make_market
from tests.devices.test_store import _check, _msg
from tests.metrology_svc.readings.support import SETTINGS, binding_rules


def _arrange(db: Session) -> Market:
    """A market with a binding shortfall table: A-12 short three times, B-07 honest."""
    market = make_market(db)
    bodies = [_check(1, declared=1000, mass=990)]
    bodies += [_check(s, declared=1000, mass=950, day=s) for s in (2, 3, 4)]
    bodies += [_check(9, declared=500, mass=500, stall="B-07")]
    store_batch(db, [_msg(market.device_id, "reading", b) for b in bodies], binding_rules(db))
    db.commit()
    return market


def _rules(db: Session) -> IngestRules:
    return IngestRules.from_database(db, SETTINGS)


def test_devices_show_liveness_and_never_the_credential(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    res = client.get(f"/api/v1/sites/{w.market_a}/devices", headers=w.auth("viewer"))
    assert res.status_code == 200, res.text
    (device,) = res.json()
    assert device["id"] == market.device_id
    assert device["trusted"] is True
    assert device["silent_minutes"] is not None
    assert device["offline"] is False
    assert "credential_hash" not in device


def test_sellers_and_their_evidence(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    sellers = client.get(f"/api/v1/sites/{w.market_a}/sellers", headers=w.auth("inspector_a"))
    assert sellers.status_code == 200
    top, other = sellers.json()
    assert (top["ref"], top["checks"], top["shortfalls"]) == ("A-12", 4, 3)
    assert top["total_missing_g"] == 105
    assert top["suspect_since"] is not None
    assert (other["ref"], other["shortfalls"]) == ("B-07", 0)
    url = f"/api/v1/sites/{w.market_a}/sellers/{top['id']}/evidence"
    evidence = client.get(url, headers=w.auth("inspector_a")).json()
    assert [c["missing_g"] for c in evidence["checks"]] == [35, 35, 35]
    everything = client.get(url + "?only_short=false", headers=w.auth("inspector_a")).json()
    assert len(everything["checks"]) == 4


def test_inspection_requests_of_a_market(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    res = client.get(
        f"/api/v1/sites/{w.market_a}/inspection-requests?status=open", headers=w.auth("admin")
    )
    (request,) = res.json()
    assert request["instrument_id"] == market.seller_scale_id
    assert len(request["evidence_ids"]) == 3


def test_another_districts_inspector_sees_nothing(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    for path in ("devices", "sellers", "inspection-requests", "feed"):
        res = client.get(f"/api/v1/sites/{w.market_a}/{path}", headers=w.auth("inspector_b"))
        assert res.status_code == 403, path
    assert client.get(f"/api/v1/sites/{w.market_a}/devices").status_code == 401


def test_unknown_seller_is_404(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    res = client.get(f"/api/v1/sites/{w.market_a}/sellers/999999/evidence", headers=w.auth("admin"))
    assert res.status_code == 404
    assert res.json()["error"]["message_vi"].startswith("Không có người bán")


def test_feed_streams_checks_and_requests_as_server_sent_events(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    w = market.world
    url = f"/api/v1/sites/{w.market_a}/feed?max_seconds=0"
    with client.stream("GET", url, headers=w.auth("viewer")) as res:
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/event-stream")
        text = "".join(res.iter_text())
    events = [block for block in text.split("\n\n") if block.startswith("event:")]
    kinds = [block.split("\n")[0].removeprefix("event: ") for block in events]
    assert kinds == ["check"] * 5 + ["inspection_request"]
    first = json.loads(events[0].split("data: ", 1)[1])
    assert first["seller_ref"] == "A-12"
    assert first["short"] is False


def test_a_device_silent_too_long_shows_offline(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    device = db.get(Device, market.device_id)
    assert device is not None
    device.last_received_at = utcnow() - timedelta(minutes=16)
    db.add(device)
    db.commit()
    w = market.world
    (shown,) = client.get(f"/api/v1/sites/{w.market_a}/devices", headers=w.auth("admin")).json()
    assert shown["offline"] is True
    assert shown["silent_minutes"] > 15


def test_closing_a_request_lets_the_next_evidence_open_another(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    w = market.world
    base = f"/api/v1/sites/{w.market_a}/inspection-requests"
    (request,) = client.get(base, headers=w.auth("admin")).json()
    url = f"{base}/{request['id']}/close"
    body = {"outcome": "Cân sai 60 g, đã niêm phong / 60 g off, sealed"}
    assert client.post(url, json=body, headers=w.auth("viewer")).status_code == 403
    assert client.post(url, json=body, headers=w.auth("inspector_b")).status_code == 403
    closed = client.post(url, json=body, headers=w.auth("inspector_a"))
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert client.post(url, json=body, headers=w.auth("inspector_a")).status_code == 409
    later = _check(20, declared=1000, mass=900, day=6)
    store_batch(db, [_msg(market.device_id, "reading", later)], _rules(db))
    db.commit()
    statuses = [r["status"] for r in client.get(base, headers=w.auth("admin")).json()]
    assert statuses == ["closed", "open"]
