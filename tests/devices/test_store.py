"""store_batch on both databases: evidence, suspects, self-checks and trust, dead letters."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from devices import store
from devices.protocol import parse
from devices.registry import add_device
from devices.store import Incoming, dead_letter, message_digest, store_batch
from metrology_svc.core.clock import utcnow
from metrology_svc.instruments.models import InstrumentEvent
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import (
    DeadLetter,
    Device,
    InspectionRequest,
    Reading,
    SelfCheck,
    Seller,
)
from metrology_svc.readings.repository import ReadingRepository
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


def _msg(device: str, kind: str, body: dict[str, Any], *, retained: bool = False) -> Incoming:
    topic = f"metrology/v1/{device}/{ {'reading': 'readings'}.get(kind, kind) }"
    payload = json.dumps(body).encode()
    parsed = parse(topic, payload, now=T0 + timedelta(days=100))
    return Incoming(topic, payload, parsed, utcnow(), retained=retained)


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
    assert (again.stored, again.duplicates, again.rejected) == (0, 2, 0)
    row = db.exec(select(Reading)).one()
    assert row.payload_sha256 == hashlib.sha256(msg.payload).digest()
    assert db.exec(select(Seller)).one().checks == 1  # statistics count it once too
    assert db.exec(select(DeadLetter)).all() == []  # a redelivery is no conflict


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


# --- conflicts: one key, other bytes ----------------------------------------------------------


def _letters(db: Session, reason: str) -> list[DeadLetter]:
    stmt = select(DeadLetter).where(col(DeadLetter.reason).startswith(reason))
    return list(db.exec(stmt.order_by(col(DeadLetter.id))))


def _sha(item: Incoming) -> str:
    return hashlib.sha256(item.payload).hexdigest()


def test_the_same_key_with_other_bytes_is_a_conflicting_duplicate(
    db: Session, market: Market, rules: IngestRules
) -> None:
    first = _msg(market.device_id, "reading", _check(1, declared=1000, mass=975))
    other = _msg(market.device_id, "reading", _check(1, declared=1000, mass=900))
    store_batch(db, [first], rules)
    out = store_batch(db, [other], rules)
    assert (out.stored, out.duplicates, out.rejected) == (0, 0, 1)
    assert dict(out.reasons) == {"conflicting_duplicate": 1}
    letter = _letters(db, "conflicting_duplicate")[0]
    assert f"stored reading sha256:{_sha(first)}" in letter.reason
    assert f"received reading sha256:{_sha(other)}" in letter.reason
    assert letter.reason.endswith("key b1/1")
    assert letter.payload == other.payload[:64]
    assert db.exec(select(Reading)).one().net_g == 975  # the first stays
    seller = db.exec(select(Seller)).one()
    assert (seller.checks, seller.shortfalls) == (1, 1)  # the conflict is no evidence
    again = store_batch(db, [other, first], rules)  # both sent again
    assert (again.duplicates, again.rejected) == (1, 1)
    assert len(_letters(db, "conflicting_duplicate")) == 1  # the same dead letter, once


def test_a_conflict_inside_one_batch_keeps_the_first(
    db: Session, market: Market, rules: IngestRules
) -> None:
    a = _msg(market.device_id, "reading", _plain(7, second=7))
    b = _msg(market.device_id, "reading", _plain(7, second=8))  # same key, other time
    out = store_batch(db, [a, b, a], rules)
    assert (out.stored, out.duplicates, out.rejected) == (1, 1, 1)
    assert db.exec(select(Reading)).one().payload_sha256 == hashlib.sha256(a.payload).digest()
    (letter,) = _letters(db, "conflicting_duplicate")
    assert f"stored reading sha256:{_sha(a)}, received reading sha256:{_sha(b)}" in letter.reason


def test_a_selfcheck_and_a_reading_cannot_share_a_key(
    db: Session, market: Market, rules: IngestRules
) -> None:
    # Every message of one boot shares one sequence: the second to use a key is set aside,
    # whichever kind came first, in one batch or across two.
    reading = _msg(market.device_id, "reading", _check(5, declared=1000, mass=975))
    failing = _msg(market.device_id, "selfcheck", _selfcheck(5, mass=2030))
    store_batch(db, [reading], rules)
    out = store_batch(db, [failing], rules)
    assert (out.stored, out.rejected) == (0, 1)
    assert db.exec(select(SelfCheck)).all() == []
    device = db.get(Device, market.device_id)
    assert device is not None
    assert device.untrusted_since is None  # a refused self-check judges nothing
    check = _msg(market.device_id, "selfcheck", _selfcheck(6, mass=2000))
    late = _msg(market.device_id, "reading", _plain(6, second=6))
    same_batch = _msg(market.device_id, "reading", _plain(8, second=8))
    store_batch(db, [check], rules)
    out = store_batch(db, [late, _msg(market.device_id, "selfcheck", _selfcheck(8, mass=2000)),
                            same_batch], rules)  # fmt: skip
    assert (out.stored, out.rejected) == (1, 2)
    reasons = [d.reason for d in _letters(db, "conflicting_duplicate")]
    assert reasons[0].startswith(f"conflicting_duplicate: stored reading sha256:{_sha(reading)}")
    assert f"received selfcheck sha256:{_sha(failing)}" in reasons[0]
    assert "stored selfcheck" in reasons[1]
    assert f"received reading sha256:{_sha(late)}" in reasons[1]
    assert f"received reading sha256:{_sha(same_batch)}" in reasons[2]
    assert [r.seq for r in db.exec(select(Reading))] == [5]
    assert sorted(c.seq for c in db.exec(select(SelfCheck))) == [6, 8]


def test_rows_stored_before_digests_cannot_be_judged(
    db: Session, market: Market, rules: IngestRules
) -> None:
    db.add(
        Reading(
            device_id=market.device_id, boot="b1", seq=3, site_id=market.world.market_a,
            measured_at=T0, net_g=500.0,
        )
    )  # fmt: skip
    db.flush()
    out = store_batch(db, [_msg(market.device_id, "reading", _plain(3, second=3))], rules)
    assert (out.stored, out.duplicates, out.rejected) == (0, 1, 0)
    assert db.exec(select(DeadLetter)).all() == []


# --- dead letters: one row per message --------------------------------------------------------


def test_a_dead_letter_redelivered_or_sent_again_is_stored_once(
    db: Session, market: Market, rules: IngestRules
) -> None:
    topic = f"metrology/v1/{market.device_id}/readings"
    junk = Incoming(topic, b"not json", parse(topic, b"not json"), utcnow())
    elsewhere = Incoming(topic.replace("readings", "status"), b"not json", junk.parsed, utcnow())
    out = store_batch(db, [junk, junk, elsewhere], rules)
    assert out.rejected == 3  # every receipt counts
    again = store_batch(db, [junk], rules)
    assert again.rejected == 1
    letters = db.exec(select(DeadLetter)).all()
    assert sorted(d.topic for d in letters) == sorted([topic, elsewhere.topic])  # topic is key
    assert all(d.message_sha256 == message_digest(d.topic, b"not json") for d in letters)


def test_the_writers_refused_path_sets_a_message_aside_once(db: Session, market: Market) -> None:
    topic = f"metrology/v1/{market.device_id}/readings"
    item = _msg(market.device_id, "reading", _plain(1, second=1))
    row = dead_letter(item, reason="database: refused", max_bytes=64)
    repo = ReadingRepository(db)
    assert repo.add_dead_letters([row]) == 1
    assert repo.add_dead_letters([dict(row, received_at=utcnow())]) == 0  # redelivered later
    assert [d.topic for d in db.exec(select(DeadLetter))] == [topic]


def test_a_topic_no_driver_stores_is_still_set_aside(db: Session, rules: IngestRules) -> None:
    hostile = ["metrology/v1/\ud800/readings", "metrology/v1/a\x00b/readings"]
    items = [Incoming(t, b"{}", parse(t, b"{}"), utcnow()) for t in hostile]
    assert store_batch(db, items, rules).rejected == 2
    letters = db.exec(select(DeadLetter).order_by(col(DeadLetter.id))).all()
    stored = ["metrology/v1/?/readings", "metrology/v1/a\ufffdb/readings"]
    assert [d.topic for d in letters] == stored
    assert len({d.message_sha256 for d in letters}) == 2


# --- retained messages are no sign of life ----------------------------------------------------


def test_a_retained_message_is_stored_but_keeps_a_silent_device_offline(
    db: Session, market: Market, rules: IngestRules
) -> None:
    device = db.get(Device, market.device_id)
    assert device is not None
    silent_since = utcnow() - timedelta(days=2)
    device.last_received_at, device.last_measured_at, device.offline = silent_since, T0, True
    db.flush()
    status = {
        "v": 1, "kind": "status", "boot": "b1", "seq": 9,
        "measured_at": (T0 + timedelta(hours=1)).isoformat(),
        "uptime_s": 60, "firmware": "fw-2", "errors": [],
    }  # fmt: skip
    replayed = [
        _msg(market.device_id, "reading", _plain(1, second=3600), retained=True),
        _msg(market.device_id, "selfcheck", _selfcheck(2, mass=2000, day=1), retained=True),
        _msg(market.device_id, "status", status, retained=True),
    ]
    out = store_batch(db, replayed, rules)
    assert out.stored == 2  # new: kept
    assert (device.last_received_at, device.last_measured_at) == (silent_since, T0)
    assert device.offline
    live = store_batch(db, [_msg(market.device_id, "reading", _plain(3, second=3))], rules)
    assert live.stored == 1
    assert device.last_received_at > silent_since
    assert not device.offline


# --- trust belongs to the control scale -------------------------------------------------------


def _trust(db: Session) -> dict[tuple[str, int], bool]:
    return {(r.device_id, r.seq): r.trusted for r in db.exec(select(Reading))}


def _pass_verification(db: Session, market: Market) -> None:
    db.add(
        Verification(
            instrument_id=market.control_id, kind=VerificationKind.AFTER_REPAIR,
            verified_on=date(2026, 11, 23), verifier="KĐV", procedure="ĐLVN 15:2009",
            result=VerificationResult.PASS, created_at=utcnow() + timedelta(seconds=1),
        )
    )  # fmt: skip
    db.flush()


def test_a_failed_selfcheck_distrusts_every_device_on_the_scale(
    db: Session, market: Market, rules: IngestRules
) -> None:
    one, two = market.device_id, "cs-test-02"
    add_device(db, instrument_id=market.control_id, device_id=two)
    db.commit()
    batch = [
        _msg(two, "reading", _check(30, declared=1000, mass=950)),  # after the failure
        _msg(two, "reading", _check(5, declared=1000, mass=950)),  # before it
        _msg(one, "selfcheck", _selfcheck(20, mass=2030)),  # 30 g off, MPE 10 g
    ]
    store_batch(db, batch, rules)
    store_batch(db, [_msg(two, "reading", _check(40, declared=1000, mass=950))], rules)
    assert _trust(db) == {(two, 30): False, (two, 5): True, (two, 40): False}
    failed_at = T0 + timedelta(seconds=20)
    assert [d.untrusted_since for d in db.exec(select(Device))] == [failed_at, failed_at]
    seller = db.exec(select(Seller)).one()
    assert (seller.checks, seller.shortfalls) == (1, 1)  # only the check before the failure
    # A device bound to the scale later is as untrusted as the scale.
    add_device(db, instrument_id=market.control_id, device_id="cs-test-03")
    store_batch(db, [_msg("cs-test-03", "reading", _check(50, declared=1000, mass=950))], rules)
    assert not _trust(db)[("cs-test-03", 50)]
    _pass_verification(db, market)
    store_batch(db, [_msg(two, "reading", _check(60, declared=1000, mass=950, day=1))], rules)
    assert _trust(db)[(two, 60)]
    assert {d.untrusted_since for d in db.exec(select(Device))} == {None}


def test_a_failure_already_ended_by_a_verification_distrusts_nothing(
    db: Session, market: Market, rules: IngestRules
) -> None:
    _pass_verification(db, market)  # recorded now, after the failure measured at T0 + 20 s
    store_batch(db, [_msg(market.device_id, "selfcheck", _selfcheck(20, mass=2030))], rules)
    device = db.get(Device, market.device_id)
    assert device is not None
    assert device.untrusted_since is None
    kinds = db.exec(
        select(InstrumentEvent.kind).where(InstrumentEvent.instrument_id == market.control_id)
    )
    assert "selfcheck_failed" in list(kinds)  # the failure is still on the record


# --- the property: one row per key, one dead letter per differing message ---------------------

# One message: boot, sequence number, kind, which of two contents; then where batches end.
Sent = tuple[str, int, str, int]
messages_strategy = st.lists(
    st.tuples(
        st.sampled_from(["b1", "b2"]),
        st.integers(0, 3),
        st.sampled_from(["reading", "selfcheck"]),
        st.integers(0, 1),
    ),
    min_size=1,
    max_size=14,
)


def _body(boot: str, seq: int, kind: str, variant: int) -> dict[str, Any]:
    body = _selfcheck(seq, mass=2000 + variant) if kind == "selfcheck" else _plain(seq, second=seq)
    if kind == "reading":
        body["mass"] = 1000 + variant
    return body | {"boot": boot}


def _expect(sent: list[Sent], cuts: list[bool]) -> tuple[dict[Any, tuple[str, int]], set[Any], int]:
    """Model the store: what each key holds, the conflicting messages, the duplicates."""
    held: dict[tuple[str, int], tuple[str, int]] = {}
    conflicts: set[Sent] = set()
    duplicates = 0
    batch: list[Sent] = []
    for i, message in enumerate(sent):
        batch.append(message)
        if i + 1 < len(sent) and not cuts[i]:
            continue
        firsts: set[tuple[str, int]] = set()
        repeats = []
        for boot, seq, kind, variant in batch:
            key = (boot, seq)
            if key in firsts:
                repeats.append((boot, seq, kind, variant))
                continue
            firsts.add(key)
            if key not in held:
                held[key] = (kind, variant)
            elif held[key] == (kind, variant):
                duplicates += 1
            else:
                conflicts.add((boot, seq, kind, variant))
        for boot, seq, kind, variant in repeats:  # judged against what the key then holds
            if held[(boot, seq)] == (kind, variant):
                duplicates += 1
            else:
                conflicts.add((boot, seq, kind, variant))
        batch = []
    return held, conflicts, duplicates


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=messages_strategy, cuts=st.lists(st.booleans(), min_size=14, max_size=14))
def test_any_repeats_leave_one_row_per_key_and_one_dead_letter_per_differing_message(
    db: Session, market: Market, rules: IngestRules, sent: list[Sent], cuts: list[bool]
) -> None:
    items = [_msg(market.device_id, m[2], _body(*m)) for m in sent]
    payloads = dict(zip(sent, items, strict=True))
    held, conflicts, duplicates = _expect(sent, cuts)
    nested = db.begin_nested()
    try:
        outcomes, batch = [], []
        for i, item in enumerate(items):
            batch.append(item)
            if i + 1 == len(items) or cuts[i]:
                outcomes.append(store_batch(db, batch, rules))
                batch = []
        rows = {(r.boot, r.seq): ("reading", r.payload_sha256) for r in db.exec(select(Reading))}
        checks = {
            (c.boot, c.seq): ("selfcheck", c.payload_sha256) for c in db.exec(select(SelfCheck))
        }
        assert not rows.keys() & checks.keys()  # one row per key, across both kinds
        digest = {m: hashlib.sha256(item.payload).digest() for m, item in payloads.items()}
        assert rows | checks == {
            key: (kind, digest[(*key, kind, variant)]) for key, (kind, variant) in held.items()
        }
        letters = db.exec(select(DeadLetter)).all()
        assert all(d.reason.startswith("conflicting_duplicate: ") for d in letters)
        assert sorted(d.message_sha256 or b"" for d in letters) == sorted(
            message_digest(payloads[m].topic, payloads[m].payload) for m in conflicts
        )
        assert sum(o.stored for o in outcomes) == len(held)
        assert sum(o.duplicates for o in outcomes) == duplicates
        assert sum(o.rejected for o in outcomes) == len(sent) - len(held) - duplicates
    finally:
        nested.rollback()


T_TOUCH = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)


def _heard_device(
    measured: datetime | None = None, received: datetime | None = None, *, offline: bool = False
) -> Device:
    return Device(
        id="cs-1",
        instrument_id=1,
        site_id=1,
        credential_hash="x",
        last_measured_at=measured,
        last_received_at=received,
        offline=offline,
    )


def test_coarse_touch_leaves_a_device_written_less_than_touch_s_ago() -> None:
    device = _heard_device(T_TOUCH, T_TOUCH)
    store._touch(
        device, T_TOUCH + timedelta(seconds=5), T_TOUCH + timedelta(seconds=store.TOUCH_S - 1)
    )
    assert (device.last_measured_at, device.last_received_at) == (T_TOUCH, T_TOUCH)


def test_coarse_touch_writes_both_times_once_touch_s_has_passed() -> None:
    device = _heard_device(T_TOUCH, T_TOUCH)
    later = T_TOUCH + timedelta(seconds=store.TOUCH_S)
    store._touch(device, T_TOUCH + timedelta(seconds=3), later)
    assert (device.last_measured_at, device.last_received_at) == (
        T_TOUCH + timedelta(seconds=3),
        later,
    )
    # An older device clock never moves last_measured_at back.
    store._touch(device, T_TOUCH, later + timedelta(seconds=store.TOUCH_S))
    assert device.last_measured_at == T_TOUCH + timedelta(seconds=3)


def test_coarse_touch_brings_an_offline_device_back_at_once() -> None:
    device = _heard_device(T_TOUCH, T_TOUCH, offline=True)
    store._touch(device, T_TOUCH, T_TOUCH + timedelta(seconds=1))
    assert device.offline is False
    assert device.last_received_at == T_TOUCH + timedelta(seconds=1)


def test_coarse_touch_writes_a_device_that_never_sent() -> None:
    device = _heard_device()
    at = datetime(2026, 11, 22, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    store._touch(device, at, T_TOUCH)
    assert (device.last_measured_at, device.last_received_at) == (at, T_TOUCH)
