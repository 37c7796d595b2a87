"""Notices to inspectors go to the officers of the site's commune now; when it has none, to
the province's; when there are none either, to the office itself as a printed letter."""

from datetime import date, timedelta

from sqlmodel import Session, select

from metrology_svc.auth.models import Role, User
from metrology_svc.auth.service import create_user
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.notices.channels.letter import LetterContent
from metrology_svc.notices.models import Channel, Notice, NoticeKind
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.service import Rendered, enqueue, render
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.repository import UnitRepository
from metrology_svc.verifications.models import Verification, VerificationKind, VerificationResult
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.metrology_svc.reports.history import move
from tests.schedules.support import FakeClock, add_instrument

DUE = date(2027, 3, 31)
FAILED_ON = DUE - timedelta(days=100)
PROVINCE_OFFICER = "so-khcn@tdc.example.vn"


def province_officer(db: Session) -> None:
    """An inspector of the province's office, scoped to the whole province (42)."""
    create_user(
        db, name="Cán bộ Sở", email=PROVINCE_OFFICER, role=Role.INSPECTOR, unit_codes=["42"]
    )


def site_in(db: Session, code: str, name: str) -> int:
    """Store a market in a 2025 commune of Hà Tĩnh."""
    unit = UnitRepository(db).by_code(code, "2025")
    assert unit is not None
    assert unit.id is not None
    site = Site(kind=SiteKind.MARKET, name=name, unit_id=unit.id)
    db.add(site)
    db.flush()
    assert site.id is not None
    return site.id


def failed_scale(db: Session, world: World, serial: str, site_id: int) -> Instrument:
    """A scale that failed its verification: the scan writes to the inspectors about it."""
    scale = add_instrument(
        db, world, serial=serial, due_date=DUE, status=InstrumentStatus.FAILED, site_id=site_id
    )
    db.add(
        Verification(
            instrument_id=scale.id or 0,
            kind=VerificationKind.PERIODIC,
            verified_on=FAILED_ON,
            verifier="KĐV Trần Văn Nam",
            procedure="ĐLVN 30:2019",
            result=VerificationResult.FAIL,
        )
    )
    db.flush()
    return scale


def deliveries(db: Session, scale: Instrument, kind: NoticeKind) -> list[tuple[str, str]]:
    """Return (channel, destination) of the first attempts of the scale's notice of a kind."""
    notice = db.exec(
        select(Notice).where(Notice.instrument_id == scale.id, Notice.kind == kind)
    ).one()
    rows = NoticeRepository(db).deliveries(notice.id or 0)
    return sorted((str(d.channel), d.destination) for d in rows if d.attempt == 1)


def scan_after_failure(db: Session, settings: Settings) -> None:
    run_due_scan(db, now=FakeClock(FAILED_ON + timedelta(days=1))(), settings=settings)
    db.commit()


def owners_letter(db: Session, scale: Instrument) -> tuple[str, str]:
    """The failed verification's delivery to its owner (who has no e-mail: a letter)."""
    notice = db.exec(
        select(Notice).where(
            Notice.instrument_id == scale.id, Notice.kind == NoticeKind.FAILED_VERIFICATION
        )
    ).one()
    return ("letter", notice.number)


def letter(rendered: Rendered) -> LetterContent:
    """Return the rendered notice's letter (render builds it unless told not to)."""
    assert rendered.letter is not None
    return rendered.letter


def to_inspectors(db: Session, scale: Instrument, settings: Settings) -> Rendered:
    """Render a notice written to the inspectors alone about the scale (a suspect seller)."""
    now = FakeClock(FAILED_ON + timedelta(days=2))()
    kind = NoticeKind.SUSPECT_SELLER
    enqueue(db, kind=kind, instrument_id=scale.id or 0, due_date=FAILED_ON, now=now)
    notice = db.exec(
        select(Notice).where(Notice.instrument_id == scale.id, Notice.kind == kind)
    ).one()
    return render(db, notice, settings=settings)


def test_the_communes_officers_get_it_not_the_province(
    db: Session, world: World, settings: Settings
) -> None:
    province_officer(db)
    scale = failed_scale(db, world, "R-1", world.market_a)  # Phường Sông Trí: inspector_a
    scan_after_failure(db, settings)
    assert deliveries(db, scale, NoticeKind.FAILED_VERIFICATION) == [
        ("email", "inspector_a@tdc.example.vn"),
        owners_letter(db, scale),
    ]
    rendered = to_inspectors(db, scale, settings)
    assert "Kính gửi: Ủy ban nhân dân phường Sông Trí" in rendered.body
    # The letter goes to the commune's office (the province's team is not asked).
    assert letter(rendered).recipients == (
        "Phòng Kinh tế, Hạ tầng và Đô thị, Ủy ban nhân dân phường Sông Trí",
    )


def test_a_commune_without_officers_goes_to_the_province(
    db: Session, world: World, settings: Settings
) -> None:
    province_officer(db)
    site = site_in(db, "18073", "Chợ Thành Sen")  # Phường Thành Sen: no officer of its own
    scale = failed_scale(db, world, "R-2", site)
    scan_after_failure(db, settings)
    assert deliveries(db, scale, NoticeKind.FAILED_VERIFICATION) == [
        ("email", PROVINCE_OFFICER),
        owners_letter(db, scale),
    ]
    # The province's inspection team and the commune's office, not the issuing office itself.
    assert letter(to_inspectors(db, scale, settings)).recipients == (
        "Đoàn kiểm tra nhà nước về đo lường",
        "Phòng Kinh tế, Hạ tầng và Đô thị, Ủy ban nhân dân phường Thành Sen",
    )


def test_without_officers_anywhere_the_office_gets_a_letter(
    db: Session, world: World, settings: Settings
) -> None:
    site = site_in(db, "18073", "Chợ Thành Sen")
    scale = failed_scale(db, world, "R-3", site)
    scan_after_failure(db, settings)
    notice = db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()
    # The owner's letter, and the office's own copy (no officer covers the site).
    assert deliveries(db, scale, NoticeKind.FAILED_VERIFICATION) == [
        ("letter", notice.number),
        ("letter", f"VP-{notice.number}"),
    ]
    printed = letter(to_inspectors(db, scale, settings))
    # Written to the inspection team and the commune's office, not back to the issuing office.
    assert printed.recipients == (
        "Đoàn kiểm tra nhà nước về đo lường",
        "Phòng Kinh tế, Hạ tầng và Đô thị, Ủy ban nhân dân phường Thành Sen",
    )
    assert printed.issuer.name == "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"


def test_recipients_follow_the_sites_unit_now(
    db: Session, world: World, settings: Settings
) -> None:
    scale = failed_scale(db, world, "R-4", world.market_b)  # in Hải Ninh: inspector_b
    move(db, world.market_b, world.unit_ids["18754"], on=FAILED_ON - timedelta(days=30))
    scan_after_failure(db, settings)
    # The market now lies in Sông Trí: its officer is told, not Hải Ninh's.
    assert deliveries(db, scale, NoticeKind.FAILED_VERIFICATION) == [
        ("email", "inspector_a@tdc.example.vn"),
        owners_letter(db, scale),
    ]


def test_an_unacknowledged_recall_escalates_to_the_communes_officers_else_the_province(
    db: Session, world: World, settings: Settings
) -> None:
    province_officer(db)
    here = add_instrument(db, world, serial="R-5", due_date=DUE)  # Sông Trí: inspector_a
    elsewhere = add_instrument(
        db, world, serial="R-6", due_date=DUE, site_id=site_in(db, "18073", "Chợ Thành Sen")
    )
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)  # the recalls to the owners
    clock.set_day(DUE + timedelta(days=1 + settings.notice_escalate_after_days))
    run_due_scan(db, now=clock(), settings=settings)
    db.commit()
    kind = NoticeKind.RECALL_ESCALATION
    assert deliveries(db, here, kind) == [("email", "inspector_a@tdc.example.vn")]
    assert deliveries(db, elsewhere, kind) == [("email", PROVINCE_OFFICER)]


def test_a_disabled_officer_does_not_count(db: Session, world: World, settings: Settings) -> None:
    province_officer(db)
    officer = db.exec(select(User).where(User.email == "inspector_a@tdc.example.vn")).one()
    officer.disabled = True
    db.add(officer)
    db.flush()
    scale = failed_scale(db, world, "R-7", world.market_a)
    scan_after_failure(db, settings)
    assert deliveries(db, scale, NoticeKind.FAILED_VERIFICATION) == [
        (Channel.EMAIL.value, PROVINCE_OFFICER),
        owners_letter(db, scale),
    ]
