"""HTTP: devices with liveness, sellers and evidence, inspection requests, the live feed."""

import json
from collections.abc import Mapping
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from devices.store import store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.readings.feed import FEED_BACKLOG, FEED_REPLAY_MAX
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import Device, InspectionRequest, Reading
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


Event = tuple[str, str]  # (kind, id)


def _events(
    client: TestClient, url: str, headers: Mapping[str, str | bytes]
) -> list[dict[str, str]]:
    """Return the stream's events (blocks with an `event:` line), each as its fields."""
    with client.stream("GET", url, headers=headers) as res:
        assert res.status_code == 200, res.read()
        text = "".join(res.iter_text())
    blocks = [
        dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        for block in text.split("\n\n")
    ]
    return [b for b in blocks if "event" in b]


def _kinds_ids(events: list[dict[str, str]]) -> list[Event]:
    return [(e["event"], e["id"]) for e in events]


def _new_check_ids(db: Session) -> list[int]:
    """Return the ids of the checks _more_checks stored, in ascending order."""
    found = db.exec(select(Reading.id).where(col(Reading.seq) >= 100))
    return sorted(i for i in found if i is not None)


def _request_ids(db: Session) -> list[int]:
    """Return the ids of every inspection request, in ascending order."""
    return sorted(i for i in db.exec(select(InspectionRequest.id)) if i is not None)


def _more_checks(db: Session, market: Market, seqs: range) -> None:
    """Store consumer checks by seller B-07 (honest) with these sequence numbers."""
    bodies = [_check(s, declared=500, mass=500, stall="B-07") for s in seqs]
    store_batch(db, [_msg(market.device_id, "reading", b) for b in bodies], _rules(db))


def _request(db: Session, market: Market) -> None:
    db.add(
        InspectionRequest(
            instrument_id=market.seller_scale_id,
            site_id=market.world.market_a,
            reason="Đã kiểm tra / inspected",
            status="closed",
        )
    )


def test_feed_resumes_with_exactly_what_was_missed_in_order(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    w = market.world
    url, auth = f"/api/v1/sites/{w.market_a}/feed?max_seconds=0", w.auth("viewer")
    first = _kinds_ids(_events(client, url, auth))
    assert [kind for kind, _ in first] == ["check"] * 5 + ["inspection_request"]
    # Cut after the second check: the rest comes again, once, in the same order.
    assert _kinds_ids(_events(client, url, {**auth, "Last-Event-ID": first[1][1]})) == first[2:]

    _more_checks(db, market, range(100, 103))  # sent while the client was away
    _request(db, market)
    db.commit()
    missed = _kinds_ids(_events(client, url, {**auth, "Last-Event-ID": first[-1][1]}))
    new_checks = _new_check_ids(db)
    old_request, new_request = _request_ids(db)
    assert missed == [
        *(("check", f"c{i}.r{old_request}") for i in new_checks),
        ("inspection_request", f"c{new_checks[-1]}.r{new_request}"),
    ]
    # A client that has everything gets nothing again.
    assert _events(client, url, {**auth, "Last-Event-ID": missed[-1][1]}) == []


def test_feed_past_the_bound_says_how_much_was_skipped_then_sends_the_newest(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    w = market.world
    url, auth = f"/api/v1/sites/{w.market_a}/feed?max_seconds=0", w.auth("viewer")
    last = _kinds_ids(_events(client, url, auth))[-1][1]
    _more_checks(db, market, range(100, 100 + FEED_REPLAY_MAX + 20))
    _request(db, market)
    db.commit()
    gap, *rest = _events(client, url, {**auth, "Last-Event-ID": last})
    assert gap["event"] == "gap"
    data = json.loads(gap["data"])
    # The request is kept (each one is an alert); the oldest checks make room for it.
    assert (data["skipped"], data["skipped_checks"], data["skipped_requests"]) == (21, 21, 0)
    assert (data["from"], data["resume_from"]) == (last, gap["id"])
    assert data["reload"] == [
        f"/api/v1/sites/{w.market_a}/sellers",
        f"/api/v1/sites/{w.market_a}/inspection-requests",
    ]
    assert data["message_vi"].startswith("Mất kết nối quá lâu: 21 sự kiện")
    assert data["message"].startswith("Disconnected too long: 21 older events")
    kept = _new_check_ids(db)[-(FEED_REPLAY_MAX - 1) :]
    assert [int(e["id"].split(".")[0][1:]) for e in rest[:-1]] == kept
    assert [e["event"] for e in rest] == ["check"] * (FEED_REPLAY_MAX - 1) + ["inspection_request"]
    # Resuming from the gap's own id replays the same newest events, without a second gap.
    assert _kinds_ids(_events(client, url, {**auth, "Last-Event-ID": gap["id"]})) == (
        _kinds_ids(rest)
    )


HOSTILE_IDS: list[str | bytes] = [
    "",
    "garbage",
    "check-5",  # the feed's ids before they named both sequences
    "c1.r",
    "c-1.r0",
    "c1.r0.c2",
    "c1.r0\t",
    "c" + "9" * 19 + ".r0",
    "c999999999.r0",  # a position the market has not reached
    "c0.r999999999",
    "c1" * 4000,
    "c\u0661.r0".encode(),  # an Arabic-Indic digit, as UTF-8 bytes
    "'; DROP TABLE reading; --",
]


def test_a_hostile_last_event_id_starts_afresh(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    w = market.world
    url, auth = f"/api/v1/sites/{w.market_a}/feed?max_seconds=0", w.auth("viewer")
    fresh = _kinds_ids(_events(client, url, auth))
    assert len([k for k, _ in fresh if k == "check"]) == 5 <= FEED_BACKLOG
    for hostile in HOSTILE_IDS:
        resumed = _kinds_ids(_events(client, url, {**auth, "Last-Event-ID": hostile}))
        assert resumed == fresh, hostile
