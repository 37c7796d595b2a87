"""Who signs a notice: the province's department by default, or the people's committee of the
site's commune (notice_issuer_level "commune"); the letter prints it in its heading."""

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

from metrology_svc.notices.channels.letter import render_letter
from metrology_svc.notices.models import Notice
from metrology_svc.notices.service import render
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from tests.factories import World
from tests.schedules.support import FakeClock, add_instrument
from tests.services import missing

DUE = date(2027, 3, 31)


def _recall(db: Session, world: World, settings: Settings) -> Notice:
    scale = add_instrument(db, world, serial="I-1", due_date=DUE)  # market A, Sông Trí
    run_due_scan(db, now=FakeClock(DUE + timedelta(days=1))(), settings=settings)
    return db.exec(select(Notice).where(Notice.instrument_id == scale.id)).one()


def _text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        missing("pdftotext is not installed (Debian package poppler-utils)")
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=30, text=True
    ).stdout


def test_the_province_signs_by_default(
    db: Session, world: World, settings: Settings, tmp_path: Path
) -> None:
    rendered = render(db, _recall(db, world, settings), settings=settings)
    assert rendered.letter is not None
    assert rendered.letter.issuer.heading == ("UBND TỈNH HÀ TĨNH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    assert rendered.body.rstrip().endswith("Sở Khoa học và Công nghệ tỉnh Hà Tĩnh")
    text = _text(render_letter(rendered.letter), tmp_path)
    for phrase in ("UBND TỈNH HÀ TĨNH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Hà Tĩnh, ngày 01 tháng 4"):
        assert phrase in text, phrase
    assert "GIÁM ĐỐC" in text


def test_the_commune_signs_when_configured(
    db: Session, world: World, settings: Settings, tmp_path: Path
) -> None:
    settings.notice_issuer_level = "commune"
    rendered = render(db, _recall(db, world, settings), settings=settings)
    assert rendered.letter is not None
    issuer = rendered.letter.issuer
    assert (issuer.name, issuer.heading) == (
        "Ủy ban nhân dân phường Sông Trí",
        ("ỦY BAN NHÂN DÂN", "PHƯỜNG SÔNG TRÍ"),
    )
    text = _text(render_letter(rendered.letter), tmp_path)
    for phrase in ("PHƯỜNG SÔNG TRÍ", "Sông Trí, ngày", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"):
        assert phrase in text, phrase
