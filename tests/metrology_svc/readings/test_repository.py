"""The ingest's bulk writes and look-ups, past SQLite's statement chunks, on both databases.

Readings and self-checks share one key space; dead letters are keyed by their message.
"""

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from metrology_svc.core.clock import utcnow
from metrology_svc.readings.models import DeadLetter, Reading
from metrology_svc.readings.repository import ReadingRepository
from tests.devices.ingest.support import T0, Market, make_market

ROWS = 2_000  # more than two of SQLite's 900-row statements


@pytest.fixture
def market(db: Session) -> Market:
    found = make_market(db)
    db.commit()
    return found


def _digest(seq: int) -> bytes:
    return hashlib.sha256(f"payload {seq}".encode()).digest()


def _reading(market: Market, seq: int) -> dict[str, Any]:
    return {
        "device_id": market.device_id, "boot": "b1", "seq": seq, "site_id": market.world.market_a,
        "measured_at": T0 + timedelta(seconds=seq), "received_at": utcnow(), "net_g": 1000.0,
        "stable": True, "trusted": True, "seller_ref": None, "short": False,
        "payload_sha256": _digest(seq),
    }  # fmt: skip


def _selfcheck(market: Market, seq: int) -> dict[str, Any]:
    return {
        "device_id": market.device_id, "boot": "b1", "seq": seq, "measured_at": T0,
        "received_at": utcnow(), "reference_g": 2000.0, "indicated_g": 2000.0, "error_g": 0.0,
        "payload_sha256": _digest(-seq),
    }  # fmt: skip


def test_a_key_either_kind_holds_is_not_inserted_again(db: Session, market: Market) -> None:
    repo = ReadingRepository(db)
    held = [0, 950, 1_500, ROWS - 1]  # in the first, second and third SQLite chunk
    assert len(repo.insert_selfchecks([_selfcheck(market, s) for s in held])) == len(held)
    fresh = repo.insert_plain_readings([_reading(market, s) for s in range(ROWS)])
    assert fresh == ROWS - len(held)
    tail = range(ROWS - 5, ROWS + 5)  # four stored readings, one self-check, five new keys
    new = repo.insert_readings([_reading(market, s) for s in tail])
    assert sorted(seq for _, _, seq in new) == list(range(ROWS, ROWS + 5))
    assert repo.insert_selfchecks([_selfcheck(market, 3)]) == {}  # a reading holds 3
    stored = db.exec(select(Reading.seq).order_by(col(Reading.seq))).all()
    assert stored == [s for s in range(ROWS + 5) if s not in held]


def test_stored_digests_are_found_for_every_key(db: Session, market: Market) -> None:
    repo = ReadingRepository(db)
    repo.insert_plain_readings([_reading(market, s) for s in range(ROWS)])
    asked = [(market.device_id, "b1", s) for s in range(0, ROWS + 100, 1)]
    asked += [(market.device_id, "b2", 5), ("cs-nobody", "b1", 5)]
    found = repo.stored_digests("reading", asked)
    assert found == {(market.device_id, "b1", s): _digest(s) for s in range(ROWS)}
    assert repo.stored_digests("selfcheck", asked) == {}


def test_dead_letters_are_stored_once_per_message_key(db: Session, market: Market) -> None:
    def letter(n: int) -> dict[str, Any]:
        return {
            "received_at": utcnow(), "topic": f"metrology/v1/{market.device_id}/readings",
            "reason": "json: bad", "payload": b"{" * n, "payload_size": n,
            "message_sha256": hashlib.sha256(b"{" * n).digest(),
        }  # fmt: skip

    repo = ReadingRepository(db)
    first = [letter(n % 1_200) for n in range(ROWS)]  # 1,200 messages, some received twice
    assert repo.add_dead_letters(first) == 1_200
    assert repo.add_dead_letters([letter(n) for n in range(1_100, 1_300)]) == 100
    assert repo.add_dead_letters([]) == 0
    assert len(db.exec(select(DeadLetter.id)).all()) == 1_300
