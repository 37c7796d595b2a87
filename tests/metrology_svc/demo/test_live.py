"""`--demo-live`: the demo scales publish to a real Mosquitto and the running ingest stores it."""

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from devices.ingest import start_ingest
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine
from metrology_svc.demo import live
from metrology_svc.demo.live import LiveFeed, start_live_feed
from metrology_svc.demo.loader import generate
from metrology_svc.demo.readings_plan import SILENT_MARKET
from metrology_svc.demo.traffic import device_id_for
from metrology_svc.instruments.models import Instrument
from metrology_svc.readings.models import DeadLetter, Device, Reading
from metrology_svc.settings import Settings
from tests.metrology_svc.demo.conftest import TODAY
from tests.mqtt_broker import MosquittoBroker, free_port


@pytest.fixture
def demo_file(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    """A SQLite file holding a small committed demo."""
    engine = build_engine(f"sqlite:///{tmp_path / 'live.db'}")
    prepare_database(engine)
    with Session(engine) as session:
        generate(session, settings=_settings(tmp_path), today=TODAY, seed=3, instruments=120)
        session.commit()
    yield engine, tmp_path
    engine.dispose()


def _settings(tmp_path: Path, mqtt_url: str = "mqtt://127.0.0.1:1") -> Settings:
    return Settings(
        data_dir=tmp_path, stamp_key_dir=tmp_path / "keys", mqtt_url=mqtt_url, ingest_batch_ms=20
    )


def _wait(until: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if until():
            return True
        time.sleep(0.1)
    return False


def _count(engine: Engine, *where: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Reading).where(*where)).one())


def test_live_feed_publishes_checks_the_running_ingest_stores(
    demo_file: tuple[Engine, Path], mosquitto: MosquittoBroker
) -> None:
    engine, tmp_path = demo_file
    settings = _settings(tmp_path, mosquitto.url)
    started = time.time()
    before = _count(engine)
    ingest = start_ingest(settings=settings, engine=engine)
    try:
        assert ingest.connected.wait(15)
        # Subscribed, not only connected: a fresh broker drops what nobody subscribes to yet.
        assert ingest.subscribed.wait(15)
        feed = start_live_feed(settings=settings, engine=engine, interval_s=0.05)
        try:
            assert feed.running
            assert _wait(lambda: _count(engine) >= before + 30)
        finally:
            feed.stop()
        assert not feed.running
    finally:
        ingest.stop()
    with Session(engine) as session:
        fresh = session.exec(select(Reading).order_by(col(Reading.id).desc()).limit(30)).all()
        assert all(r.measured_at.timestamp() >= started - 1 for r in fresh)
        assert all(r.seller_ref_kind == "stall" and r.declared_g for r in fresh)
        serials = {
            (i.site_id, i.serial) for i in session.exec(select(Instrument)) if i.role == "trade"
        }
        assert all((r.site_id, r.seller_ref) in serials for r in fresh)
        assert session.exec(select(DeadLetter)).first() is None
        devices = {d.id: d for d in session.exec(select(Device))}
    silent = devices.pop(device_id_for(SILENT_MARKET))
    assert silent.last_received_at is not None
    assert silent.last_received_at.timestamp() < started - 24 * 3600
    # Every other scale reported its status at once: all of them are heard again.
    assert all(
        d.last_received_at and d.last_received_at.timestamp() >= started for d in devices.values()
    )
    assert all(not d.offline for d in devices.values())


def test_without_a_broker_the_feed_says_so_and_does_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"mqtt://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING, logger="metrology_svc.demo.live"):
        engine = build_engine(f"sqlite:///{tmp_path / 'untouched.db'}")
        feed = start_live_feed(settings=_settings(tmp_path, url), engine=engine)
    assert isinstance(feed, LiveFeed)
    assert not feed.running
    feed.stop()
    text = caplog.text
    assert "Không có broker MQTT" in text
    assert "No MQTT broker" in text


def test_a_feed_that_fails_is_logged_and_starts_again(
    demo_file: tuple[Engine, Path],
    mosquitto: MosquittoBroker,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine, tmp_path = demo_file
    calls: list[str] = []
    real = live._connect

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        if len(calls) == 1:
            raise OSError("broker went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(live, "_connect", flaky)
    with caplog.at_level(logging.ERROR, logger="metrology_svc.demo.live"):
        feed = start_live_feed(settings=_settings(tmp_path, mosquitto.url), engine=engine)
        try:
            assert _wait(lambda: len(calls) > 1, seconds=10)
            assert feed.running
        finally:
            feed.stop()
    assert "The demo live feed stopped; starting again" in caplog.text
    assert "broker went away" in caplog.text
