"""The default demo, generated once per backend: registry, judgements, statuses."""

from collections import Counter

from sqlmodel import Session, col, select

from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.rules import status_for_due
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.models import AdminUnit
from metrology_svc.verifications.models import Verification, VerificationPoint, VerificationResult
from tests.metrology_svc.demo.conftest import TODAY

SETTINGS = Settings()


def _verifications(db: Session) -> dict[int, list[Verification]]:
    by_instrument: dict[int, list[Verification]] = {}
    stmt = select(Verification).order_by(col(Verification.verified_on), col(Verification.id))
    for v in db.exec(stmt):
        by_instrument.setdefault(v.instrument_id, []).append(v)
    return by_instrument


def test_demo_builds_a_province_with_instruments_of_every_type(demo_db: Session) -> None:
    db = demo_db
    units = Counter(str(u.level) for u in db.exec(select(AdminUnit)))
    assert units["province"] == 1
    assert units["district"] >= 5
    assert units["commune"] >= 10
    kinds = Counter(s.kind for s in db.exec(select(Site)))
    assert kinds[SiteKind.MARKET] >= 10
    assert kinds[SiteKind.FUEL_STATION] >= 5
    assert all(s.latitude and s.longitude and s.address for s in db.exec(select(Site)))
    owners = list(db.exec(select(Owner)))
    assert len(owners) >= 100
    assert any(o.language == "en" and o.email for o in owners)
    instruments = list(db.exec(select(Instrument)))
    assert len(instruments) >= 200
    type_codes = {t.code for t in db.exec(select(InstrumentType))}
    assert {i.type_code for i in instruments} == type_codes
    controls = [i for i in instruments if i.role == "control"]
    assert len(controls) == kinds[SiteKind.MARKET]
    assert len({i.site_id for i in controls}) == len(controls)


def test_every_point_judgement_agrees_with_its_mpe(demo_db: Session) -> None:
    db = demo_db
    points = list(db.exec(select(VerificationPoint)))
    assert len(points) > 1000
    assert all(p.passed == (abs(p.error) <= p.mpe) for p in points)
    assert any(not p.passed for p in points)
    by_verification: dict[int, list[bool]] = {}
    for p in points:
        by_verification.setdefault(p.verification_id, []).append(p.passed)
    for v in db.exec(select(Verification)):
        assert (v.result == VerificationResult.PASS) == all(by_verification[v.id or 0])


def test_statuses_agree_with_histories_and_due_dates(demo_db: Session) -> None:
    db = demo_db
    history = _verifications(db)
    statuses: Counter[str] = Counter()
    for inst in db.exec(select(Instrument)):
        statuses[inst.status] += 1
        mine = history.get(inst.id or 0, [])
        passes = [v for v in mine if v.result == VerificationResult.PASS]
        if inst.status == InstrumentStatus.REGISTERED:
            assert not mine
            assert inst.due_date is None
        elif inst.status == InstrumentStatus.FAILED:
            assert mine[-1].result == VerificationResult.FAIL
        if passes:
            assert inst.due_date == passes[-1].valid_until
            assert inst.last_verified_on == passes[-1].verified_on
        if inst.status in (
            InstrumentStatus.IN_SERVICE,
            InstrumentStatus.DUE,
            InstrumentStatus.OVERDUE,
        ):
            expected = status_for_due(
                due_date=inst.due_date, today=TODAY, due_soon_days=SETTINGS.due_soon_days
            )
            assert inst.status == expected
    for status in ("in_service", "due", "overdue", "failed", "registered"):
        assert statuses[status] > 0, status
    assert statuses["suspended"] + statuses["retired"] >= 1
