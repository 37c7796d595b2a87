"""store_batch on both databases: evidence, suspects, self-checks and trust, dead letters."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlmodel import Session, col, select

from devices.protocol import parse
from devices.store import Incoming, store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.instruments.models import InstrumentEvent
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import (
    DeadLetter,
    Device,
    InspectionRequest,
    Reading,
    Seller,
)
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.stamps.models import Stamp
from metrology_svc.verifications.models import (
    Verification,
    VerificationKind,
    VerificationResult,
)
from tests.devices.ingest.support import T0, Market, make_market
from tests.metrology_svc.readings.support import SETTINGS, binding_rules


@pytest.fixture
def market(db: Session) -> Market:
    found = make_market(db)
    db.commit()
    return found


@pytest.fixture
def rules(db: Session, market: Market) -> IngestRules:
    """The ingest's rules with a binding shortfall table loaded (R 87's numbers)."""
    return binding_rules(db)


def _msg(device: str, kind: str, body: dict[str, Any]) -> Incoming:
    topic = f"metrology/v1/{device}/{ {'reading': 'readings'}.get(kind, kind) }"
    payload = json.dumps(body).encode()
    return Incoming(topic, payload, parse(topic, payload, now=T0 + timedelta(days=100)), utcnow())


def _check(
    seq: int, *, declared: float, mass: float, day: int = 0, stall: str = "A-12"
) -> dict[str, Any]:
    at = (T0 + timedelta(days=day, seconds=seq)).isoformat()
    return {
        "v": 1, "kind": "reading", "boot": "b1", "seq": seq, "measured_at": at,
        "unit": "g", "mass": mass, "stable": True,
        "check": {"seller": {"stall": stall}, "declared": declared, "category": "ca"},
    }  # fmt: skip


def _selfcheck(seq: int, *, mass: float, day: int = 0) -> dict[str, Any]:
    at = (T0 + timedelta(days=day, seconds=seq)).isoformat()
    return {
        "v": 1, "kind": "selfcheck", "boot": "b1", "seq": seq, "measured_at": at,
        "unit": "g", "nominal": 2000, "mass": mass, "stable": True,
    }  # fmt: skip


def test_a_consumer_check_stores_its_evidence(
    db: Session, market: Market, rules: IngestRules
) -> None:
    out = store_batch(
        db, [_msg(market.device_id, "reading", _check(1, declared=1000, mass=975))], rules
    )
    assert (out.stored, out.duplicates, out.rejected) == (1, 0, 0)
    row = db.exec(select(Reading)).one()
    assert (row.declared_g, row.net_g, row.permitted_shortfall_g) == (1000, 975, 15)
    assert row.missing_g == 10
    assert row.short
    assert row.trusted
    seller = db.exec(select(Seller)).one()
    assert (seller.checks, seller.shortfalls, seller.total_missing_g) == (1, 1, 10)
    assert seller.instrument_id == market.seller_scale_id  # the stall reference is its serial
    binding = db.exec(select(RuleTable).where(col(RuleTable.binding).is_(True))).one()
    assert row.shortfall_rule_id == binding.id


def test_under_the_shipped_r87_a_check_is_only_an_indication(db: Session, market: Market) -> None:
    shipped = IngestRules.from_database(db, SETTINGS)  # R 87 as shipped: reference only
    body = _check(1, declared=1000, mass=975)
    out = store_batch(db, [_msg(market.device_id, "reading", body)], shipped)
    assert out.requests == []
    row = db.exec(select(Reading)).one()
    # The deviation (25 g) and the reference tolerance (15 g) are kept; nothing is "short".
    assert (row.declared_g, row.net_g, row.permitted_shortfall_g, row.missing_g) == (
        1000,
        975,
        15,
        10,
    )
    assert not row.short
    r87 = db.get(RuleTable, row.shortfall_rule_id)
    assert r87 is not None
    assert (r87.status, r87.binding) == ("reference-only", False)
    seller = db.exec(select(Seller)).one()
    assert (seller.checks, seller.shortfalls, seller.total_missing_g) == (1, 0, 0)
    assert seller.suspect_since is None


def test_the_same_message_twice_is_stored_once(
    db: Session, market: Market, rules: IngestRules
) -> None:
    msg = _msg(market.device_id, "reading", _check(1, declared=1000, mass=975))
    store_batch(db, [msg], rules)
    again = store_batch(db, [msg, msg], rules)
    assert (again.stored, again.duplicates) == (0, 2)
    assert len(db.exec(select(Reading)).all()) == 1
    assert db.exec(select(Seller)).one().checks == 1  # statistics count it once too


def test_third_shortfall_in_30_days_flags_the_sellers_scale(
    db: Session, market: Market, rules: IngestRules
) -> None:
    fair = [_check(1, declared=1000, mass=990)]
    short = [_check(s, declared=1000, mass=950, day=d) for s, d in [(2, 0), (3, 12), (4, 25)]]
    batches = [fair, short[:2], short[2:]]
    results = [
        store_batch(db, [_msg(market.device_id, "reading", b) for b in batch], rules)
        for batch in batches
    ]
    assert [r.requests for r in results[:2]] == [[], []]
    assert len(results[2].requests) == 1
    request = db.exec(select(InspectionRequest)).one()
    assert request.instrument_id == market.seller_scale_id
    assert request.status == "open"
    assert len(request.evidence_ids) == 3
    events = db.exec(
        select(InstrumentEvent).where(InstrumentEvent.instrument_id == market.seller_scale_id)
    ).all()
    assert "suspect" in [e.kind for e in events]
    seller = db.exec(select(Seller)).one()
    assert seller.suspect_since is not None
    assert seller.shortfalls == 3
    # A fourth shortfall adds evidence but no second open request.
    more = store_batch(
        db, [_msg(market.device_id, "reading", _check(5, declared=1000, mass=900, day=26))], rules
    )
    assert more.requests == []
    assert len(db.exec(select(InspectionRequest)).all()) == 1


def test_shortfalls_spread_beyond_the_window_raise_nothing(
    db: Session, market: Market, rules: IngestRules
) -> None:
    spread = [_check(s, declared=1000, mass=950, day=d) for s, d in [(1, 0), (2, 31), (3, 62)]]
    for body in spread:
        store_batch(db, [_msg(market.device_id, "reading", body)], rules)
    assert db.exec(select(InspectionRequest)).all() == []
    assert db.exec(select(Seller)).one().shortfalls == 3


def test_failed_selfcheck_makes_later_readings_untrusted_until_verified(
    db: Session, market: Market, rules: IngestRules
) -> None:
    store_batch(db, [_msg(market.device_id, "selfcheck", _selfcheck(10, mass=2008))], rules)
    assert db.get(Device, market.device_id).untrusted_since is None  # type: ignore[union-attr]
    batch = [
        _msg(market.device_id, "reading", _check(5, declared=1000, mass=950)),  # before the failure
        _msg(market.device_id, "selfcheck", _selfcheck(20, mass=2030)),  # 30 g off, MPE 10 g
        _msg(market.device_id, "reading", _check(30, declared=1000, mass=950)),
    ]
    store_batch(db, batch, rules)
    trust = {r.seq: r.trusted for r in db.exec(select(Reading))}
    assert trust == {5: True, 30: False}
    assert db.exec(select(Seller)).one().shortfalls == 1  # untrusted checks are not evidence
    kinds = db.exec(
        select(InstrumentEvent.kind).where(InstrumentEvent.instrument_id == market.control_id)
    )
    assert "selfcheck_failed" in list(kinds)
    db.add(
        Verification(
            instrument_id=market.control_id, kind=VerificationKind.AFTER_REPAIR,
            verified_on=date(2026, 11, 23), verifier="KĐV", procedure="ĐLVN 15:2009",
            result=VerificationResult.PASS, created_at=utcnow() + timedelta(seconds=1),
        )
    )  # fmt: skip
    db.flush()
    store_batch(
        db, [_msg(market.device_id, "reading", _check(40, declared=1000, mass=950, day=1))], rules
    )
    assert db.exec(select(Reading).where(Reading.seq == 40)).one().trusted


def test_unknown_devices_and_bad_payloads_are_dead_lettered(
    db: Session, market: Market, rules: IngestRules
) -> None:
    bad_topic = "metrology/v1/cs-test-01/readings"
    junk = b"{" + b"x" * 100
    items = [
        _msg("cs-nobody", "reading", _check(1, declared=1000, mass=975)),
        Incoming(bad_topic, junk, parse(bad_topic, junk), utcnow()),
    ]
    out = store_batch(db, items, rules)
    assert out.rejected == 2
    assert dict(out.reasons) == {"unknown_device": 1, "json": 1}
    letters = db.exec(select(DeadLetter).order_by(col(DeadLetter.id))).all()
    assert [d.reason.split(":")[0] for d in letters] == ["unknown_device", "json"]
    assert letters[1].payload == junk[:64]
    assert letters[1].payload_size == 101


def test_status_updates_the_devices_health(db: Session, market: Market, rules: IngestRules) -> None:
    body = {
        "v": 1, "kind": "status", "boot": "b1", "seq": 9, "measured_at": T0.isoformat(),
        "uptime_s": 60, "firmware": "fw-1", "errors": ["low_battery"],
    }  # fmt: skip
    store_batch(db, [_msg(market.device_id, "status", body)], rules)
    device = db.get(Device, market.device_id)
    assert device is not None
    assert device.last_status is not None
    assert device.last_status["errors"] == ["low_battery"]
    assert device.last_received_at is not None
    assert device.last_measured_at == T0


def test_an_older_status_in_another_offset_never_replaces_a_newer_one(
    db: Session, market: Market, rules: IngestRules
) -> None:
    def status(seq: int, at: datetime, firmware: str) -> dict[str, Any]:
        return {
            "v": 1, "kind": "status", "boot": "b1", "seq": seq, "measured_at": at.isoformat(),
            "uptime_s": 60, "firmware": firmware, "errors": [],
        }  # fmt: skip

    vn = timezone(timedelta(hours=7))
    newer = T0.astimezone(UTC)  # e.g. 04:00+00:00
    older = (T0 - timedelta(hours=1)).astimezone(vn)  # 10:00+07:00: later as text, earlier in time
    store_batch(db, [_msg(market.device_id, "status", status(1, newer, "fw-new"))], rules)
    store_batch(db, [_msg(market.device_id, "status", status(2, older, "fw-old"))], rules)
    device = db.get(Device, market.device_id)
    assert device is not None
    assert device.last_status is not None
    assert device.last_status["firmware"] == "fw-new"


def _plain(seq: int, *, second: int) -> dict[str, Any]:
    body = _check(seq, declared=1, mass=1000)
    del body["check"]
    body["measured_at"] = (T0 + timedelta(seconds=second, microseconds=250)).isoformat()
    return body


def test_plain_readings_store_like_the_orm_and_absorb_repeats(
    db: Session, market: Market, rules: IngestRules
) -> None:
    items = [_msg(market.device_id, "reading", _plain(s, second=s)) for s in (1, 2, 2, 3)]
    out = store_batch(db, items, rules)
    assert (out.stored, out.duplicates) == (3, 1)
    again = store_batch(db, items[:2], rules)
    assert (again.stored, again.duplicates) == (0, 2)
    rows = db.exec(select(Reading).order_by(col(Reading.seq))).all()
    assert [r.measured_at for r in rows] == [
        T0 + timedelta(seconds=s, microseconds=250) for s in (1, 2, 3)
    ]
    later = select(Reading).where(
        col(Reading.measured_at) > T0 + timedelta(seconds=2, microseconds=250)
    )
    assert [r.seq for r in db.exec(later)] == [3]
    assert all(r.trusted and r.seller_ref is None and not r.short for r in rows)


def test_an_unstable_indication_is_not_evidence(
    db: Session, market: Market, rules: IngestRules
) -> None:
    body = _check(1, declared=1000, mass=900) | {"stable": False}
    store_batch(db, [_msg(market.device_id, "reading", body)], rules)
    row = db.exec(select(Reading)).one()
    assert row.missing_g == 85
    assert not row.short
    assert db.exec(select(Seller)).one().shortfalls == 0


def test_a_stamp_code_finds_the_sellers_scale(
    db: Session, market: Market, rules: IngestRules
) -> None:
    verification = Verification(
        instrument_id=market.seller_scale_id, kind=VerificationKind.PERIODIC,
        verified_on=date(2026, 1, 5), verifier="KĐV", procedure="ĐLVN 30:2019",
        result=VerificationResult.PASS,
    )  # fmt: skip
    db.add(verification)
    db.flush()
    db.add(
        Stamp(
            serial="YB-26-000123", serial_year=2026, serial_seq=123,
            instrument_id=market.seller_scale_id, verification_id=verification.id or 0,
            key_id=1, valid_until=date(2028, 1, 5),
        )
    )  # fmt: skip
    db.flush()
    body = _check(1, declared=1000, mass=975)
    body["check"]["seller"] = {"stamp": "yb-26-000123"}
    store_batch(db, [_msg(market.device_id, "reading", body)], rules)
    seller = db.exec(select(Seller)).one()
    assert (seller.ref_kind, seller.instrument_id) == ("stamp", market.seller_scale_id)
