"""Evidence only under a binding table: under R 87 as shipped a re-weigh is an indication.

However many checks fall short of what a seller declared, the reference table flags no one and
opens no inspection request; once an office loads a binding table, the same pattern does, and
checks judged before keep their non-binding judgement.
"""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select

from devices.store import store_batch
from metrology_svc.instruments.models import InstrumentEvent
from metrology_svc.readings import rules as reading_rules
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import InspectionRequest, Reading, Seller
from metrology_svc.rulebook.shipped import shipped_rulebook
from tests.devices.ingest.support import T0, Market, make_market
from tests.devices.test_store import _check, _msg
from tests.metrology_svc.readings.support import SETTINGS, binding_body, load_binding

STALLS = ("A-12", "B-07", "C-01")  # A-12 is the serial of a registered scale; the others not
DECLARED = (200, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 12000)
R87 = shipped_rulebook().shortfall_bands(on=T0.date()).value

# One check: declared grams, per cent of it missing, day of the month, stall.
Check = tuple[int, int, int, str]
checks_strategy = st.lists(
    st.tuples(
        st.sampled_from(DECLARED),
        st.integers(0, 40),
        st.integers(0, 29),
        st.sampled_from(STALLS),
    ),
    min_size=1,
    max_size=30,
)
DB_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
# A seller far short, again and again within a month: flagged at once under a binding table.
PERSISTENT = [(1000, 10, day, "A-12") for day in range(0, 30, 3)]


@pytest.fixture
def market(db: Session) -> Market:
    """A market with a control scale and A-12's registered scale (each example rolls back)."""
    found = make_market(db)
    db.commit()
    return found


def _store(db: Session, market: Market, checks: list[Check], rules: IngestRules) -> list[int]:
    """Store the checks a few at a time, as batches arrive; return the requests opened."""
    bodies = [
        _check(seq, declared=d, mass=d * (100 - pct) // 100, day=day, stall=stall)
        for seq, (d, pct, day, stall) in enumerate(checks, 1)
    ]
    requests: list[int] = []
    for start in range(0, len(bodies), 4):
        items = [_msg(market.device_id, "reading", b) for b in bodies[start : start + 4]]
        requests += store_batch(db, items, rules).requests
    return requests


def _beyond(checks: list[Check]) -> Counter[str]:
    """Count per stall the checks beyond R 87's allowance (what a binding copy of it flags)."""
    out: Counter[str] = Counter()
    for d, pct, _day, stall in checks:
        declared = Decimal(d)
        missing = declared - Decimal(d * (100 - pct) // 100)
        if missing > reading_rules.permitted_shortfall(declared_g=declared, bands=R87):
            out[stall] += 1
    return out


def _suspect_events(db: Session, market: Market) -> int:
    stmt = select(func.count()).where(
        InstrumentEvent.instrument_id == market.seller_scale_id, InstrumentEvent.kind == "suspect"
    )
    return int(db.exec(stmt).one())


@DB_SETTINGS
@given(checks=checks_strategy)
@example(checks=PERSISTENT)
def test_under_the_shipped_r87_no_number_of_checks_flags_a_seller(
    db: Session, market: Market, checks: list[Check]
) -> None:
    rules = IngestRules.from_database(db, SETTINGS)  # R 87 as shipped: reference only
    nested = db.begin_nested()
    try:
        assert _store(db, market, checks, rules) == []
        assert db.exec(select(func.count()).select_from(InspectionRequest)).one() == 0
        assert _suspect_events(db, market) == 0
        sellers = db.exec(select(Seller)).all()
        assert sum(s.checks for s in sellers) == len(checks)
        assert all(s.shortfalls == 0 and s.total_missing_g == 0 for s in sellers)
        assert all(s.suspect_since is None and s.last_short_at is None for s in sellers)
        readings = db.exec(select(Reading)).all()
        assert not any(r.short for r in readings)
        # Each is kept as an indication: the deviation, R 87's tolerance and the excess.
        assert sum(r.missing_g is not None and r.missing_g > 0 for r in readings) == sum(
            _beyond(checks).values()
        )
        r87_id = rules.rulebook.shortfall_bands(on=T0.date()).ref.table_id
        assert {r.shortfall_rule_id for r in readings} == {r87_id}
    finally:
        nested.rollback()


@DB_SETTINGS
@given(checks=checks_strategy)
@example(checks=PERSISTENT)
def test_under_a_binding_table_the_same_checks_flag_the_seller(
    db: Session, market: Market, checks: list[Check]
) -> None:
    nested = db.begin_nested()
    try:
        load_binding(db)  # R 87's numbers, loaded as binding
        requests = _store(db, market, checks, IngestRules.from_database(db, SETTINGS))
        short = _beyond(checks)
        sellers = {s.ref: s for s in db.exec(select(Seller))}
        for stall, seller in sellers.items():
            assert seller.shortfalls == short[stall]
            # Every check lies within 30 days: three shortfalls make a suspect.
            assert (seller.suspect_since is not None) == (short[stall] >= 3)
        flagged = short["A-12"] >= 3  # only A-12's scale is registered: a request needs one
        assert len(requests) == int(flagged)
        assert _suspect_events(db, market) == int(flagged)
        assert sum(r.short for r in db.exec(select(Reading))) == sum(short.values())
    finally:
        nested.rollback()


def _short_checks(seqs: range, *, day0: int) -> list[dict[str, object]]:
    return [_check(s, declared=1000, mass=950, day=day0 + i) for i, s in enumerate(seqs)]


def arrange_before_and_after(db: Session, client: TestClient) -> Market:
    """Three short checks under R 87, a binding table loaded by an admin, three more under it."""
    market = make_market(db)
    db.commit()
    rules = IngestRules.from_database(db, SETTINGS)  # the ingest as started: R 87 only
    before = _short_checks(range(1, 4), day0=0)
    items = [_msg(market.device_id, "reading", b) for b in before]
    assert store_batch(db, items, rules).requests == []
    db.commit()
    body = binding_body(effective_from=(T0 + timedelta(days=3)).date())
    loaded = client.post("/api/v1/rules", json=body, headers=market.world.auth("admin"))
    assert loaded.status_code == 201, loaded.text
    fresh = rules.refreshed(db)  # what the running ingest does within a minute
    assert fresh is not None
    assert fresh.refreshed(db) is None  # nothing loaded since: the rulebook is not read again
    after = _short_checks(range(4, 7), day0=3)
    late = _check(7, declared=1000, mass=950, day=2)  # measured before the table's day, sent late
    out = store_batch(db, [_msg(market.device_id, "reading", b) for b in [*after, late]], fresh)
    assert len(out.requests) == 1
    db.commit()
    return market


def test_a_table_loaded_through_the_api_flags_new_checks_and_old_ones_keep_theirs(
    client: TestClient, db: Session
) -> None:
    market = arrange_before_and_after(db, client)
    w = market.world
    (seller,) = client.get(f"/api/v1/sites/{w.market_a}/sellers", headers=w.auth("admin")).json()
    assert (seller["checks"], seller["shortfalls"], seller["indications"]) == (7, 3, 4)
    assert seller["suspect_since"] is not None
    url = f"/api/v1/sites/{w.market_a}/sellers/{seller['id']}/evidence?only_short=false"
    checks = {c["id"]: c for c in client.get(url, headers=w.auth("admin")).json()["checks"]}
    rows = {r.seq: r for r in db.exec(select(Reading).order_by(col(Reading.seq)))}
    for seq in (1, 2, 3, 7):  # judged under R 87: a deviation, whatever was loaded later
        c = checks[rows[seq].id]
        assert (c["binding"], c["short"], c["verdict"], c["figure"]) == (
            False, False, "deviation", "deviation"
        )  # fmt: skip
        assert c["figure_label"] == "chênh lệch (tham khảo) / deviation (reference only)"
        assert c["rule"].startswith("OIML R 87")
        assert "chỉ tham khảo" in c["rule"]
        assert (c["deviation_g"], c["permitted_shortfall_g"], c["excess_g"]) == (50, 15, 35)
        assert c["missing_g"] is None  # nothing is "missing" under a table that binds no one
    for seq in (4, 5, 6):
        c = checks[rows[seq].id]
        assert (c["binding"], c["short"], c["verdict"], c["figure"]) == (
            True, True, "short", "shortfall"
        )  # fmt: skip
        assert c["figure_label"] == "thiếu / shortfall"
        assert c["rule"].startswith("Lượng thiếu cho phép: Bảng kiểm thử")
        assert c["rule"].endswith(f"phiên bản {date(2026, 11, 25)} (chưa kiểm chứng / unverified)")
        assert (c["deviation_g"], c["missing_g"], c["excess_g"]) == (50, 35, None)
    only_short = client.get(url.replace("false", "true"), headers=w.auth("admin")).json()
    assert sorted(c["id"] for c in only_short["checks"]) == [rows[s].id for s in (4, 5, 6)]
    (request,) = client.get(
        f"/api/v1/sites/{w.market_a}/inspection-requests", headers=w.auth("admin")
    ).json()
    assert sorted(request["evidence_ids"]) == [rows[s].id for s in (4, 5, 6)]
