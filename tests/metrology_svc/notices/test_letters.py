"""Every notice letter (each kind, Vietnamese and English, to the owner and to the inspectors)
rendered to PDF and PNG and read back as a reader sees it: words and where they stand, nothing
outside the margins, no paragraph twice, Liberation Serif at 13-14 pt, the register's number,
dates as dd/mm/yyyy or in the decree's words. The PNGs stay under the test's tmp dir."""

import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from metrology_svc.documents.models import DocumentEntry
from metrology_svc.documents.render import MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP
from metrology_svc.notices.channels.letter import render_letter
from metrology_svc.notices.models import Channel, Notice, NoticeDelivery, NoticeKind, RecipientRole
from metrology_svc.notices.service import letter_of
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from tests.factories import World
from tests.schedules.support import add_instrument
from tests.services import missing

pdfplumber = pytest.importorskip("pdfplumber")

DUE = date(2027, 3, 5)
CREATED = datetime(2027, 3, 6, 2, tzinfo=UTC)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
VIETNAMESE_ONLY = ("Kính gửi", "Căn cứ", "Nơi nhận", "Thời hạn", "Phương tiện đo", "Như trên")


def _notice(
    db: Session, world: World, *, kind: NoticeKind, language: str, role: RecipientRole, letter: bool
) -> Notice:
    owner = db.get(Owner, world.owner_vi)
    assert owner is not None
    owner.address = "Số 12 đường Trần Phú, tổ dân phố 3, phường Sông Trí, tỉnh Hà Tĩnh"
    scale = add_instrument(
        db, world, serial=f"NHS-2026-000{len(kind)}-{language}-{role}", due_date=DUE
    )
    scale.model = "NHS-15-ĐIỆN-TỬ-CHỐNG-NƯỚC-PHIÊN-BẢN-2026"
    site = db.get(Site, world.market_a)
    assert site is not None
    notice = Notice(
        kind=kind,
        instrument_id=scale.id or 0,
        owner_id=world.owner_vi,
        unit_id=site.unit_id,
        due_date=DUE,
        recipient_role=role,
        language=language,
        number=f"TB-{kind}-{language}-{role}",
        created_at=CREATED,
    )
    db.add_all([owner, scale, notice])
    db.flush()
    if letter:
        db.add(
            NoticeDelivery(
                notice_id=notice.id or 0,
                channel=Channel.LETTER,
                destination=notice.number,
                next_attempt_at=CREATED,
            )
        )
        db.flush()
    return notice


def _png(pdf: Path) -> Path:
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm is not installed (Debian package poppler-utils)")
    prefix = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(pdf), str(prefix)],
        check=True,
        timeout=60,
    )
    found = sorted(pdf.parent.glob(f"{prefix.name}*.png"))
    assert found, "pdftoppm wrote no image"
    return found[0]


def _lines(words: list[dict[str, Any]]) -> list[tuple[float, str, list[dict[str, Any]]]]:
    """Group words into lines by their top (within 2 pt)."""
    lines: list[tuple[float, str, list[dict[str, Any]]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0] - word["top"]) < 2:
            top, text, ws = lines[-1]
            lines[-1] = (top, f"{text} {word['text']}", [*ws, word])
        else:
            lines.append((word["top"], word["text"], [word]))
    return lines


def _find(words: list[dict[str, Any]], phrase: str) -> tuple[float, float, float]:
    """Return top, left and right of the first run of words spelling a phrase."""
    tokens = phrase.split()
    for i in range(len(words) - len(tokens) + 1):
        run = words[i : i + len(tokens)]
        if [w["text"] for w in run] == tokens:
            return run[0]["top"], min(w["x0"] for w in run), max(w["x1"] for w in run)
    raise AssertionError(f"{phrase!r} not found in the letter")


def _page_words(pdf_path: Path, index: int) -> list[dict[str, Any]]:
    with pdfplumber.open(pdf_path) as pdf:
        return list(pdf.pages[index].extract_words())


def _read(
    pdf_path: Path,
) -> tuple[
    str, list[tuple[float, str, list[dict[str, Any]]]], list[dict[str, Any]], tuple[float, float]
]:
    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) == 1, "a one-instrument letter fits on one page"
        page = pdf.pages[0]
        words = page.extract_words(extra_attrs=["fontname", "size"])
        chars = [c for p in pdf.pages for c in p.chars]
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        all_words = [w for p in pdf.pages for w in p.extract_words()]
        size = (float(page.width), float(page.height))
    # Every word of every page lies inside the margins (0.5 pt for rounding).
    width, height = size
    for w in all_words:
        assert w["x0"] >= MARGIN_LEFT - 0.5, f"{w['text']!r} left of the margin"
        assert w["x1"] <= width - MARGIN_RIGHT + 0.5, f"{w['text']!r} right of the margin"
        assert w["top"] >= MARGIN_TOP - 0.5, f"{w['text']!r} above the margin"
        assert w["bottom"] <= height - MARGIN_BOTTOM + 0.5, f"{w['text']!r} below the margin"
    return text, _lines(words), chars, size


CASES = [
    (kind, language, role)
    for kind in NoticeKind
    for language in ("vi", "en")
    for role in (RecipientRole.OWNER, RecipientRole.INSPECTOR)
]


@pytest.mark.parametrize(("kind", "language", "role"), CASES)
def test_every_letter_reads_as_an_official_document(
    db: Session,
    world: World,
    settings: Settings,
    tmp_path: Path,
    kind: NoticeKind,
    language: str,
    role: RecipientRole,
) -> None:
    settings.document_signer_authority = "KT. GIÁM ĐỐC"
    settings.document_signer_position = "PHÓ GIÁM ĐỐC"
    settings.document_signer_name = "Trần Văn Bình"
    notice = _notice(db, world, kind=kind, language=language, role=role, letter=True)
    content = letter_of(db, notice, settings=settings)
    pdf_path = tmp_path / f"{kind}-{language}-{role}.pdf"
    pdf_path.write_bytes(render_letter(content))
    png = _png(pdf_path)
    assert png.stat().st_size > 10_000
    text, lines, chars, (width, _height) = _read(pdf_path)
    vi = language == "vi"

    # The number is the one the register gave this notice.
    entry = db.exec(select(DocumentEntry).where(DocumentEntry.ref == f"notice:{notice.id}")).one()
    assert f"{'Số' if vi else 'No.'}: {entry.number}/TB-SKHCN" in text
    # Fonts: Liberation Serif only; text at 13-14 pt ("Nơi nhận" 11-12 pt, as the decree says).
    assert {c["fontname"].split("+")[-1].split("-")[0] for c in chars} == {"LiberationSerif"}
    sizes = Counter(round(c["size"]) for c in chars)
    assert set(sizes) <= {11, 12, 13, 14}, sizes
    assert (sizes[13] + sizes[14]) / sum(sizes.values()) > 0.8, sizes
    # Heading left, motto right, signature block in the right half, distribution bottom-left.
    centre = width / 2
    first = _page_words(pdf_path, 0)
    _, left, right = _find(first, "SỞ KHOA HỌC" if vi else "DEPARTMENT OF SCIENCE")
    assert (left + right) / 2 < centre
    motto_top, left, right = _find(
        first, "Độc lập - Tự do - Hạnh phúc" if vi else "Independence - Freedom"
    )
    assert left > centre - 40
    assert (left + right) / 2 > centre
    date_words = "Hà Tĩnh, ngày 06 tháng 3 năm 2027" if vi else "Hà Tĩnh, 6 March 2027"
    assert date_words in text
    to_top, _, _ = _find(first, "Kính gửi:" if vi else "To:")
    assert motto_top < to_top
    last_words = _page_words(pdf_path, -1)
    sign_top, left, right = _find(last_words, "PHÓ GIÁM ĐỐC" if vi else "DEPUTY DIRECTOR")
    assert (left + right) / 2 > centre
    assert left > centre - 30
    name_top, left, right = _find(last_words, "Trần Văn Bình")
    assert name_top > sign_top + 40
    assert (left + right) / 2 > centre
    dist_top, left, _ = _find(last_words, "Nơi nhận:" if vi else "Distribution:")
    assert left < centre / 2
    assert abs(dist_top - sign_top) < 60  # beside the signature block, at the foot
    # Written once: Kính gửi, each legal basis, no paragraph line twice.
    assert text.count("Kính gửi" if vi else "To:") == 1
    assert text.count("04/2011/QH13") == 1
    assert text.count("23/2013/TT-BKHCN") == 1
    repeated = [t for t, n in Counter(t for _, t, _ in lines if len(t) > 25).items() if n > 1]
    assert not repeated, repeated
    # Dates as dd/mm/yyyy or in words; never ISO.
    assert not ISO_DATE.search(text)
    flat = " ".join(text.split())
    assert ("05/03/2027" if vi else "5 March 2027") in flat
    if vi:
        assert "Nhơn Hòa" in text
        assert "NHS-2026" in text
    else:
        for phrase in VIETNAMESE_ONLY:
            assert phrase not in text, phrase
    # Owners are told the instrument may not be used in trade; inspectors are addressed as such.
    if (
        kind in (NoticeKind.OVERDUE_RECALL, NoticeKind.FAILED_VERIFICATION)
        and role == RecipientRole.OWNER
    ):
        assert ("không được sử dụng trong mua bán" if vi else "may not be used in trade") in text
        assert "119/2017/NĐ-CP" in text
    if role == RecipientRole.INSPECTOR:
        office = "Phòng Kinh tế, Hạ tầng và Đô thị" if vi else "Economic, Infrastructure and Urban"
        assert office in flat
        assert "Sông Trí" in text
        # Not written back to the office that issues it, nor to the owner.
        assert "Sở Khoa học và Công nghệ" not in flat
        assert "Nguyễn Thị Hoa" not in flat
    else:
        assert "Nguyễn Thị Hoa" in text
    assert "THU HỒI" not in text
    assert "RECALL NOTICE" not in text


def test_a_reprint_keeps_its_number_and_the_next_letter_takes_the_next(
    db: Session, world: World, settings: Settings
) -> None:
    first = _notice(
        db,
        world,
        kind=NoticeKind.OVERDUE_RECALL,
        language="vi",
        role=RecipientRole.OWNER,
        letter=True,
    )
    second = _notice(
        db, world, kind=NoticeKind.LOST_STAMP, language="vi", role=RecipientRole.OWNER, letter=True
    )
    a = letter_of(db, first, settings=settings).register_no
    b = letter_of(db, second, settings=settings).register_no
    assert a is not None
    assert b == a + 1
    assert letter_of(db, first, settings=settings).register_no == a


def test_a_notice_not_sent_by_letter_takes_no_number(
    db: Session, world: World, settings: Settings
) -> None:
    notice = _notice(
        db, world, kind=NoticeKind.DUE_SOON, language="vi", role=RecipientRole.OWNER, letter=False
    )
    content = letter_of(db, notice, settings=settings)
    assert content.register_no is None
    assert content.number.startswith("Số: ")
    assert content.number.endswith("/TB-SKHCN")
    assert (
        db.exec(select(DocumentEntry).where(DocumentEntry.ref == f"notice:{notice.id}")).first()
        is None
    )


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_commune_signs_in_its_own_name(
    db: Session, world: World, settings: Settings, tmp_path: Path, language: str
) -> None:
    settings.notice_issuer_level = "commune"
    notice = _notice(
        db,
        world,
        kind=NoticeKind.OVERDUE_RECALL,
        language=language,
        role=RecipientRole.OWNER,
        letter=True,
    )
    pdf_path = tmp_path / f"commune-{language}.pdf"
    pdf_path.write_bytes(render_letter(letter_of(db, notice, settings=settings)))
    _png(pdf_path)
    _read(pdf_path)  # inside the margins
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        half = float(page.width) / 2
        halves = [
            " ".join((page.crop(box).extract_text() or "").replace("\u00a0", " ").split())
            for box in ((0, 0, half, page.height), (half, 0, page.width, page.height))
        ]
    vi = language == "vi"
    left = (
        ["ỦY BAN NHÂN DÂN", "PHƯỜNG SÔNG TRÍ", "Số: 1/TB-UBND"]
        if vi
        else ["PEOPLE'S COMMITTEE OF SÔNG TRÍ WARD", "No.: 1/TB-UBND"]
    )
    right = (
        ["Sông Trí, ngày 06 tháng 3 năm 2027", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
        if vi
        else ["Sông Trí, 6 March 2027", "ON BEHALF OF THE PEOPLE'S COMMITTEE", "CHAIRPERSON"]
    )
    for side, phrases in zip(halves, (left, right), strict=True):
        for phrase in phrases:
            assert phrase in side, (phrase, side)
