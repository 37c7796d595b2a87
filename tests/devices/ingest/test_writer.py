"""The batch writer acknowledges a message only after the commit that holds it."""

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from devices.ingest_writer import BatchWriter, Delivery
from devices.protocol import parse
from metrology_svc.core.clock import utcnow
from metrology_svc.db import build_engine
from metrology_svc.readings.models import Reading
from metrology_svc.readings.service import Incoming, IngestRules
from metrology_svc.settings import Settings
from tests.devices.ingest.support import Market, count, reading_payload


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
