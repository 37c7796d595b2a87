"""Scan log and clone signal: coarse client data, far-away and after-revocation flags."""

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from metrology_svc.app import create_app
from metrology_svc.settings import Settings
from metrology_svc.stamps.models import StampScan
from metrology_svc.stamps.scanlog import ScanBuffer, ScanRecord, flushing
from tests.factories import World
from tests.metrology_svc.stamps.support import API, check, freeze, issued

# Chợ Kỳ Anh is at 18.07, 106.29; Vinh is about 100 km north-west, Kỳ Anh town 1 km away.
VINH = {"lat": 18.68, "lon": 105.68}
NEARBY = {"lat": 18.075, "lon": 106.295}


def test_each_scan_is_logged_with_coarse_client_data(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    ua = "Mozilla/5.0 (Linux; Android 14) " + "x" * 300
    client.get(f"/v/{stamp['code']}", headers={"user-agent": ua})
    check(client, stamp["code"], **NEARBY)
    check(client, "garbage-code")
    scans = client.get(f"{API}/stamps/{stamp['id']}/scans", headers=world.auth("admin")).json()
    assert [(s["channel"], s["outcome"]) for s in scans] == [("api", "valid"), ("page", "valid")]
    assert scans[1]["user_agent"] == ua[:120]
    assert scans[0]["network"] == ""  # the test client's host "testclient" is no IP address
    assert (scans[0]["latitude"], scans[0]["longitude"]) == (18.075, 106.295)


def test_far_scans_raise_one_flag_that_counts(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    inspector = world.auth("inspector_b")  # any inspector's scan, wherever their commune
    check(client, stamp["code"], inspector, **NEARBY)
    assert client.get(f"{API}/stamps/flags", headers=world.auth("admin")).json() == []
    check(client, stamp["code"], inspector, **VINH)
    client.get(f"/v/{stamp['code']}", params=VINH, headers=world.auth("admin"))
    [flag] = client.get(f"{API}/stamps/flags", headers=world.auth("admin")).json()
    assert (flag["kind"], flag["stamp_serial"], flag["scans"]) == (
        "far_from_site",
        stamp["serial"],
        2,
    )
    assert 80 < flag["distance_km"] < 100
    assert client.get(f"{API}/stamps/flags", headers=world.auth("inspector_a")).json() != []
    assert client.get(f"{API}/stamps/flags", headers=world.auth("inspector_b")).json() == []
    r = client.post(f"{API}/stamps/flags/{flag['id']}/resolve", headers=world.auth("inspector_a"))
    assert r.status_code == 200
    assert r.json()["resolved_at"] is not None
    assert client.get(f"{API}/stamps/flags", headers=world.auth("admin")).json() == []
    everything = client.get(
        f"{API}/stamps/flags", params={"include_resolved": True}, headers=world.auth("admin")
    ).json()
    assert [f["id"] for f in everything] == [flag["id"]]


def test_a_far_position_without_a_staff_token_is_logged_but_raises_no_flag(
    client: TestClient, world: World
) -> None:
    """Anybody can type a position: a clone flag needs an inspector's signed-in scan."""
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    check(client, stamp["code"], **VINH)  # anonymous
    client.get(f"/v/{stamp['code']}", params=VINH)
    check(client, stamp["code"], {"Authorization": "Bearer mtk_forged"}, **VINH)
    viewer = world.auth("viewer")  # a signed-in account that inspects nothing
    check(client, stamp["code"], viewer, **VINH)
    assert client.get(f"{API}/stamps/flags", headers=world.auth("admin")).json() == []
    scans = client.get(f"{API}/stamps/{stamp['id']}/scans", headers=world.auth("admin")).json()
    assert len(scans) == 4
    assert all((s["latitude"], s["longitude"]) == (18.68, 105.68) for s in scans)


def test_scan_after_revocation_raises_a_flag(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    stamp = issued(client, world)
    admin = world.auth("admin")
    client.post(f"{API}/stamps/{stamp['id']}/revoke", json={"reason": "broken_seal"}, headers=admin)
    check(client, stamp["code"])
    [flag] = client.get(f"{API}/stamps/flags", headers=admin).json()
    assert (flag["kind"], flag["distance_km"]) == ("after_revocation", None)


def _record(outcome: str = "malformed") -> ScanRecord:
    return ScanRecord(at=datetime.now(UTC), outcome=outcome, channel="api", code="x")


def test_buffer_keeps_scans_when_a_write_fails(db: Session) -> None:
    calls: list[int] = []

    def writer(session: Session, batch: list[ScanRecord]) -> None:
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("database away")
        session.add_all(StampScan(at=r.at, outcome=r.outcome, channel=r.channel) for r in batch)

    buffer = ScanBuffer(session_factory=lambda: db, writer=writer, max_size=10, batch_size=3)
    for _ in range(5):
        buffer.add(_record())
    assert buffer.flush() == 0
    assert len(buffer) == 5
    assert buffer.failures == 1
    assert buffer.flush() == 5
    assert len(buffer) == 0
    assert calls == [3, 3, 2]
    assert len(db.exec(select(StampScan)).all()) == 5


def test_buffer_overflow_is_counted_not_silent(
    db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = ScanBuffer(session_factory=lambda: db, writer=lambda s, b: None, max_size=3)
    for outcome in "abcde":
        buffer.add(_record(outcome))
    assert (len(buffer), buffer.dropped) == (3, 2)
    assert "scans dropped" in caplog.text


def test_background_flusher_writes_and_flushes_on_exit(db: Session) -> None:
    written: list[str] = []
    buffer = ScanBuffer(
        session_factory=lambda: db,
        writer=lambda s, batch: written.extend(r.outcome for r in batch),
        max_size=100,
    )

    async def run() -> None:
        async with flushing(buffer, every_s=0.01):
            buffer.add(_record("first"))
            for _ in range(500):
                if written:
                    break
                await asyncio.sleep(0.01)
            assert written == ["first"]
            buffer.add(_record("last"))
        assert written == ["first", "last"]

    asyncio.run(run())


def test_app_keeps_scans_in_memory_and_writes_them_at_shutdown(
    engine: Engine, connection: Connection, db: Session, tmp_path: Path, world: World
) -> None:
    settings = Settings(stamp_key_dir=tmp_path / "k", stamp_scan_flush_seconds=3600)
    app = create_app(
        settings=settings,
        engine=engine,
        session_factory=lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
    )
    probe = select(StampScan).where(StampScan.code == "not-a-stamp")
    with TestClient(app) as client:
        assert client.get("/api/v1/stamps/verify", params={"code": "not-a-stamp"}).is_success
        assert len(app.state.stamps.scans) == 1
        assert db.exec(probe).all() == []  # no write transaction on the request
        status = client.get("/api/v1/stamps/scan-log", headers=world.auth("admin")).json()
        assert status == {"queued": 1, "written": 0, "dropped": 0, "failures": 0}
        assert (
            client.get("/api/v1/stamps/scan-log", headers=world.auth("viewer")).status_code == 403
        )
    [scan] = db.exec(probe).all()
    assert (scan.outcome, scan.channel, scan.stamp_id) == ("malformed", "api", None)
