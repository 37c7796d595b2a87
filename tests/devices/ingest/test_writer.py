"""The batch writer acknowledges a message only after the commit that holds it."""

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from devices.ingest_writer import BatchWriter, Delivery
from devices.protocol import parse
from metrology_svc.core.clock import utcnow
from metrology_svc.db import build_engine, new_session
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import Reading
from metrology_svc.readings.service import Incoming
from metrology_svc.settings import Settings
from tests.devices.ingest.support import T0, Market, count, reading_payload
from tests.metrology_svc.readings.support import load_binding


def _delivery(device_id: str, seq: int) -> Delivery:
    topic = f"metrology/v1/{device_id}/readings"
    payload = reading_payload(seq)
    item = Incoming(topic, payload, parse(topic, payload), utcnow())
    return Delivery(item=item, mid=seq + 1, qos=1, generation=1)


def test_nothing_is_acked_while_the_database_refuses_the_commit(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, market = sqlite_market_db
    path = Path(str(engine.url.database))
    impatient = build_engine(f"sqlite:///{path}", busy_timeout_ms=100)
    acked: list[list[int]] = []
    got_ack = threading.Event()

    def ack(batch: list[Delivery]) -> None:
        acked.append([d.mid for d in batch])
        got_ack.set()

    writer = BatchWriter(
        engine=impatient, rules=IngestRules.from_settings(Settings()), ack=ack, batch_ms=20
    )
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # another process holds the database
    writer.start()
    try:
        for seq in range(3):
            writer.put(_delivery(market.device_id, seq))
        time.sleep(1.5)  # several failed attempts
        assert acked == []
        locker.execute("ROLLBACK")
        assert got_ack.wait(15)
    finally:
        writer.stop()
        locker.close()
        impatient.dispose()
    assert acked == [[1, 2, 3]]
    assert count(engine, Reading) == 3


def test_a_table_loaded_while_the_ingest_runs_is_applied_without_a_restart(
    sqlite_market_db: tuple[Engine, Market],
) -> None:
    engine, _market = sqlite_market_db
    with new_session(engine) as session:
        rules = IngestRules.from_database(session, Settings())
    assert not rules.rulebook.shortfall_bands(on=T0.date()).ref.binding  # R 87: reference only
    writer = BatchWriter(engine=engine, rules=rules, ack=lambda _batch: None, rules_check_s=0.05)
    writer.start()
    try:
        time.sleep(0.3)
        assert writer.rules is rules  # nothing loaded: the rulebook is not read again
        with new_session(engine) as session:
            load_binding(session)
            session.commit()
        deadline = time.monotonic() + 10
        while writer.rules is rules and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        writer.stop()
    assert writer.rules.rulebook.shortfall_bands(on=T0.date()).ref.binding
    assert writer.rules.marker is not None
    assert rules.marker is not None
    assert writer.rules.marker[0] == rules.marker[0] + 1
