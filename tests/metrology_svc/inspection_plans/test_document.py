"""The printed plan read back as a reader sees it: number, title, subject, bases, sections,
a target row and the signer, every word inside the page frame; and a PNG to look at."""

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metrology_svc.documents.render import MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP
from tests.factories import World
from tests.metrology_svc.inspection_plans.support import PLANS, add_targets, approve, create_plan
from tests.metrology_svc.stamps.support import freeze
from tests.services import missing

pdfplumber = pytest.importorskip("pdfplumber")


def _png(pdf: Path) -> Path:
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm is not installed (Debian package poppler-utils)")
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(prefix)], check=True, timeout=60)
    found = sorted(pdf.parent.glob(f"{prefix.name}*.png"))
    assert found, "pdftoppm wrote no image"
    return found[0]


def _read(pdf_path: Path) -> tuple[str, list[dict[str, Any]]]:
    """Return the text and every word; assert each word lies inside the margins."""
    with pdfplumber.open(pdf_path) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        words = []
        for page in pdf.pages:
            width, height = float(page.width), float(page.height)
            for w in page.extract_words(extra_attrs=["fontname", "size"]):
                assert w["x0"] >= MARGIN_LEFT - 0.5, f"{w['text']!r} left of the margin"
                assert w["x1"] <= width - MARGIN_RIGHT + 0.5, f"{w['text']!r} right of the margin"
                assert w["top"] >= MARGIN_TOP - 0.5, f"{w['text']!r} above the margin"
                assert w["bottom"] <= height - MARGIN_BOTTOM + 0.5, f"{w['text']!r} below"
                words.append(w)
    return text, words


def _pdf(client: TestClient, world: World, plan_id: int, tmp_path: Path, name: str) -> Path:
    r = client.get(f"{PLANS}/{plan_id}/plan.pdf", headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    path = tmp_path / name
    path.write_bytes(r.content)
    return path


def test_a_commune_prints_in_its_own_name(client: TestClient, world: World, tmp_path: Path) -> None:
    freeze(client, date(2027, 1, 15))
    plan = create_plan(client, world, issuer="18754", units=("18754",), kinds=("market",))
    add_targets(client, world, plan["id"], [{"site_id": world.market_a, "month": 2}])
    approve(client, world, plan["id"])
    text, _ = _read(_pdf(client, world, plan["id"], tmp_path, "commune.pdf"))
    flat = " ".join(text.split())
    # The two heading lines of the issuer (the left column; text extraction mixes columns).
    assert "ỦY BAN NHÂN DÂN" in flat
    assert "PHƯỜNG SÔNG TRÍ" in flat
    assert "/KH-UBND" in flat
    assert "Sông Trí, ngày 05 tháng 01 năm 2027" in flat
    assert "- Sở Khoa học và Công nghệ tỉnh Hà Tĩnh (để" in flat


def test_the_printed_plan_reads_as_an_official_plan(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    freeze(client, date(2027, 1, 15))
    plan = create_plan(client, world)
    add_targets(
        client,
        world,
        plan["id"],
        [
            {"site_id": world.market_a, "month": 1},
            {"site_id": world.station_a, "window_from": "2027-03-01", "window_to": "2027-03-15"},
            {"site_id": world.market_b, "month": 2},
        ],
    )
    draft_text, _ = _read(_pdf(client, world, plan["id"], tmp_path, "draft.pdf"))
    assert "(Dự thảo)" in draft_text
    assert "Số: /KH-SKHCN" in " ".join(draft_text.split())
    approved = approve(client, world, plan["id"])
    path = _pdf(client, world, plan["id"], tmp_path, "plan.pdf")
    r = client.get(f"{PLANS}/{plan['id']}/plan.pdf", headers=world.auth("admin"))
    assert f"KH-{approved['number']:02d}-2027.pdf" in r.headers["content-disposition"]
    text, words = _read(path)
    flat = " ".join(text.split())
    for phrase in (
        "UBND TỈNH HÀ TĨNH",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        approved["number_text"],
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Hà Tĩnh, ngày 05 tháng 01 năm 2027",
        "KẾ HOẠCH",
        "Kiểm tra nhà nước về đo lường năm 2027",
        "Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011 của Quốc hội",
        "Thông tư số 28/2013/TT-BKHCN ngày 17 tháng 12 năm 2013",
        "10/2022/TT-BKHCN",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. NỘI DUNG",
        "III. TỔ CHỨC THỰC HIỆN",
        "từ ngày 01/01/2027 đến ngày 31/12/2027",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Trần Văn Nam",
        "Nơi nhận:",
        "- Lưu: VT.",
    ):
        assert phrase in flat, f"{phrase!r} missing from the printed plan"
    assert "Kính gửi" not in flat  # a plan is addressed to no one
    assert "(Dự thảo)" not in flat
    # A target row: number, commune, site, kind and month on one line of the table.
    row = [w for w in words if w["text"] in ("Kỳ", "Anh", "Tháng", "1/2027")]
    tops = {round(w["top"]) for w in row if w["text"] == "1/2027"}
    assert tops, "the market's month is not printed"
    line = " ".join(w["text"] for w in words if round(w["top"]) in tops)
    assert "Chợ Kỳ Anh" in line
    assert "Sông Trí" in line
    fonts = {w["fontname"].split("+")[-1] for w in words}
    assert fonts <= {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }
    png = _png(path)
    assert png.stat().st_size > 10_000
