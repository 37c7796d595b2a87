"""The default demo, generated once per backend: registry, judgements, statuses."""

from collections import Counter
from datetime import date

from sqlmodel import Session, col, func, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.models import User, UserUnit
from metrology_svc.demo import places
from metrology_svc.demo.traffic import VIETNAM
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.rules import status_for_due
from metrology_svc.owners.models import Owner
from metrology_svc.rehoming.models import CaseStatus, RehomeCase
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind, SiteMove
from metrology_svc.stamps.models import Stamp
from metrology_svc.units.models import AdminUnit, UnitLevel
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
    hatinh = col(AdminUnit.path).startswith("42/")
    units = Counter((u.scheme, str(u.level)) for u in db.exec(select(AdminUnit).where(hatinh)))
    # Both lists of the province, as loaded from the packages: 2004 with its districts, 2025
    # with its 69 communes directly under the province.
    assert units["2004", "province"] == units["2025", "province"] == 1
    assert units["2004", "district"] >= 10
    assert units["2004", "commune"] > 200
    assert units["2025", "commune"] == 69
    assert units["2025", "district"] == 0
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


REFORM = date(2025, 7, 1)


def _unit(db: Session, unit_id: int | None) -> AdminUnit:
    unit = db.get(AdminUnit, unit_id)
    assert unit is not None
    return unit


def _open_sites(db: Session) -> set[int]:
    cases = db.exec(select(RehomeCase).where(RehomeCase.status == CaseStatus.OPEN)).all()
    return {c.site_id for c in cases}


def test_sites_sit_in_2025_communes_with_2025_addresses(demo_db: Session) -> None:
    db = demo_db
    undecided = _open_sites(db)
    assert undecided  # the review page has something to show
    communes = set()
    for site in db.exec(select(Site)):
        unit = _unit(db, site.unit_id)
        if site.id in undecided:  # still in its 2004 commune, with its address of then
            assert (unit.scheme, unit.level) == ("2004", UnitLevel.COMMUNE)
            assert site.address.endswith(", thị xã Kỳ Anh")
            continue
        assert (unit.scheme, unit.level, unit.path) == (
            "2025",
            UnitLevel.COMMUNE,
            f"42/{unit.code}/",
        )
        assert site.address.endswith(f", {places.in_address(unit.name)}, tỉnh Hà Tĩnh")
        communes.add(unit.code)
    assert len(communes) == 13
    market = db.exec(select(Site).where(Site.name == places.INSPECTOR_MARKET)).one()
    assert (_unit(db, market.unit_id).code, _unit(db, market.unit_id).name) == (
        "18754",
        "Phường Sông Trí",
    )


def test_records_carry_the_unit_their_site_was_in_on_their_date(demo_db: Session) -> None:
    db = demo_db
    sites = {s.id: s for s in db.exec(select(Site))}
    moves = {m.site_id: m for m in db.exec(select(SiteMove))}
    instruments = {i.id: i for i in db.exec(select(Instrument))}
    schemes: Counter[tuple[bool, str]] = Counter()
    units = {}
    for v in db.exec(select(Verification)):
        site = sites[instruments[v.instrument_id].site_id]
        move = moves.get(site.id or 0)
        unit = _unit(db, v.unit_id)
        before = v.verified_on < REFORM
        schemes[before, unit.scheme] += 1
        units[v.id] = unit.id
        expected = move.from_unit_id if before and move is not None else site.unit_id
        assert unit.id == expected, (site.name, v.verified_on)
    assert schemes[True, "2004"] > 100
    assert schemes[False, "2025"] > 30
    assert schemes[True, "2025"] == schemes[False, "2004"] == 0
    stamps = list(db.exec(select(Stamp)))
    assert stamps
    assert all(s.unit_id == units[s.verification_id] for s in stamps)


def test_the_old_districts_keep_their_history(demo_db: Session) -> None:
    db = demo_db
    by_district: Counter[str] = Counter()
    stmt = select(AdminUnit.path).join(Verification, col(Verification.unit_id) == AdminUnit.id)
    for path in db.exec(stmt):
        if path.count("/") == 3:  # "42/436/18077/": a 2004 commune under its district
            by_district[path.split("/")[1]] += 1
    assert by_district["436"] > 0  # Thành phố Hà Tĩnh
    assert len(by_district) >= 5
    assert sum(by_district.values()) > 100
    city = db.exec(
        select(func.count())
        .select_from(Verification)
        .join(AdminUnit, col(AdminUnit.id) == Verification.unit_id)
        .where(col(AdminUnit.path).startswith("42/436/"))
    ).one()
    assert city == by_district["436"]


def test_the_reform_day_moved_sites_and_the_inspector_decided_split_cases(
    demo_db: Session,
) -> None:
    db = demo_db
    moves = list(db.exec(select(SiteMove)))
    whole = [m for m in moves if m.reason == "succession_whole"]
    reviewed = [m for m in moves if m.reason == "succession_reviewed"]
    assert len(whole) >= 20
    assert all("1665/NQ-UBTVQH15" in m.basis for m in whole)
    assert all(m.moved_at.astimezone(VIETNAM).date() == REFORM for m in moves)
    assert all(_unit(db, m.from_unit_id).scheme == "2004" for m in moves)
    assert all(_unit(db, m.to_unit_id).scheme == "2025" for m in moves)
    inspector = db.exec(select(User).where(User.email == "ha.ntt@tdc-hatinh.example")).one()
    decided = db.exec(select(RehomeCase).where(RehomeCase.status == CaseStatus.DECIDED)).all()
    assert 1 <= len(decided) == len(reviewed)
    for case in decided:
        assert case.note
        assert case.decided_by_user_id == inspector.id
        assert case.decided_at is not None
        assert case.decided_at.astimezone(VIETNAM).date() == REFORM
        assert len(case.candidates) >= 2
    # The address the site was registered with stays in its history.
    changes = db.exec(select(AuditRecord).where(AuditRecord.action == "site.address")).all()
    assert len(changes) == len(moves)
    first = next(c for c in changes if c.detail["to"].startswith("Đường Phan Đình Phùng"))
    assert first.detail["from"] == "Đường Phan Đình Phùng, phường Bắc Hà, thành phố Hà Tĩnh"


def test_the_commune_inspector_is_scoped_to_song_tri_of_2025(demo_db: Session) -> None:
    db = demo_db
    stmt = (
        select(AdminUnit)
        .join(UserUnit, col(UserUnit.unit_id) == AdminUnit.id)
        .join(User, col(User.id) == UserUnit.user_id)
        .where(User.email == "hung.tv@songtri.example")
    )
    scope = db.exec(stmt).one()
    assert (scope.scheme, scope.code, scope.name, scope.path) == (
        "2025",
        "18754",
        "Phường Sông Trí",
        "42/18754/",
    )
    province = db.exec(
        select(AdminUnit)
        .join(UserUnit, col(UserUnit.unit_id) == AdminUnit.id)
        .join(User, col(User.id) == UserUnit.user_id)
        .where(User.email == "ha.ntt@tdc-hatinh.example")
    ).one()
    assert (province.scheme, province.code) == ("2025", "42")
