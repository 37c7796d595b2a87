"""Real Chromium (Playwright) on the report and inspection pages, served by uvicorn.

The camera is Chromium's fake device playing a Y4M video made here from a stamp's QR PNG
(/api/v1/stamps/{id}/qr.png); the network is cut with the context's offline switch.
"""

import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import col, select

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from metrology_svc.inspections.models import InspectionFinding, InspectionMeasure
from metrology_svc.measurement_checks.models import MeasurementCheck
from metrology_svc.stamps.models import Stamp
from metrology_svc.web.inspection_pages import DECODER
from tests.browser import SCREENSHOTS, file_database, launch_chromium, serve_app
from tests.factories import World, make_world, spring_scale
from tests.metrology_svc.stamps.support import GOOD_POINTS
from tests.metrology_svc.web.conftest import PASSWORD
from tests.services import missing

EMAIL = "inspector_a@tdc.example.vn"
API = "/api/v1"


@dataclass
class Served:
    """A running server with two stamped scales in commune 18754 and an open inspection."""

    base: str
    engine: Engine
    world: World
    stamps: list[dict[str, Any]]
    inspection_id: int
    video: Path


def _api(base: str, world: World, method: str, path: str, **kw: Any) -> Any:
    r = httpx.request(method, f"{base}{API}{path}", headers=world.auth("admin"), **kw)
    assert r.is_success, r.text
    return r


def _stamped_scale(base: str, world: World, serial: str) -> dict[str, Any]:
    iid = _api(base, world, "POST", "/instruments", json=spring_scale(world, serial=serial))
    iid = iid.json()["id"]
    body = {
        "kind": "periodic",
        "verified_on": date.today().isoformat(),
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": GOOD_POINTS,
    }
    _api(base, world, "POST", f"/instruments/{iid}/verifications", json=body)
    stamps = _api(base, world, "GET", "/stamps", params={"instrument_id": iid}).json()
    stamp: dict[str, Any] = stamps[0]
    return stamp


def write_y4m(png: bytes, path: Path, *, frames: int = 30) -> None:
    """Write a 640x480 YUV4MPEG2 (4:2:0) video: the QR image centred on white, standing still."""
    qr = Image.open(io.BytesIO(png)).convert("L")
    side = 420
    qr = qr.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - side) // 2, (480 - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Run the app in uvicorn on a free port over a fresh SQLite file, and arrange the data."""
    root = tmp_path_factory.mktemp("web-field")
    engine = file_database(root)
    with new_session(engine) as session:
        world = make_world(session)
        set_password(session, email=EMAIL, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        stamps = [_stamped_scale(base, world, s) for s in ("CAM-0001", "OFF-0002")]
        body = {"site_id": world.market_a, "inspector": "Lê Văn Hùng"}
        body["inspected_on"] = date.today().isoformat()
        inspection = _api(base, world, "POST", "/inspections", json=body).json()
        png = _api(base, world, "GET", f"/stamps/{stamps[0]['id']}/qr.png").content
        video = root / "stamp.y4m"
        write_y4m(png, video)
        yield Served(base, engine, world, stamps, inspection["id"], video)


@pytest.fixture
def browser(served: Served) -> Iterator[Any]:
    """A headless Chromium whose camera plays the stamp video, or a skip (CI: a failure)."""
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={served.video}",
    ]
    with launch_chromium(*camera) as chromium:
        yield chromium


def _until(check: Any, *, timeout: float = 15.0, what: str = "") -> None:
    """Poll a condition (page.wait_for_function needs eval, which the content policy refuses)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or check}")
        time.sleep(0.05)


def _pending(page: Any) -> str:
    """Return the queue's count once the page has read it from IndexedDB."""
    page.wait_for_selector('#pending-count[data-ready="yes"]')
    return str(page.inner_text("#pending-count"))


def _pending_becomes(page: Any, count: int) -> None:
    _until(lambda: _pending(page) == str(count), what=f"{count} queued")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"web-{name}.png"), full_page=True)


def _logged_in(browser: Any, base: str, next_path: str, **context: Any) -> tuple[Any, Any]:
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.goto(f"{base}{next_path}")
    assert "/web/login" in page.url
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")
    return ctx, page


def test_export_the_yearly_report_from_the_page(served: Served, browser: Any) -> None:
    year = date.today().year
    path = f"/web/reports/yearly?unit_code=18754&year={year}"
    ctx, page = _logged_in(
        browser, served.base, path, accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    # two scales verified and passed this year in 18754
    cells = page.locator("#verified-total td").all_inner_texts()
    assert cells[:4] == ["2", "2", "2", "0"]
    assert page.locator("svg.chart").count() == 2
    _shot(page, "report-yearly")
    with page.expect_download() as pdf_info:
        page.click("#dl-pdf")
    pdf = pdf_info.value
    assert pdf.suggested_filename == f"bao-cao-do-luong-18754-{year}.pdf"
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF-")
    with page.expect_download() as xlsx_info:
        page.click("#dl-xlsx")
    xlsx = Path(xlsx_info.value.path()).read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(xlsx))
    book = load_workbook(io.BytesIO(xlsx))
    assert "Kiểm định theo loại" in book.sheetnames
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Yearly metrology report"
    _shot(page, "report-yearly-en")
    ctx.close()


def test_scan_a_stamp_through_the_fake_camera(served: Served, browser: Any) -> None:
    if not DECODER.exists():
        missing("the npm-pinned jsQR is not built (run scripts/build-js)")
    path = f"/web/inspections/{served.inspection_id}"
    ctx, page = _logged_in(
        browser, served.base, path, viewport={"width": 390, "height": 844}, device_scale_factor=2
    )
    page.click("#camera-start")
    state = page.locator("#stamp-state")
    page.wait_for_selector("#stamp-state[data-state]", timeout=20000)
    assert state.get_attribute("data-state") == "valid"
    assert served.stamps[0]["serial"] in state.inner_text()
    assert page.input_value("#stamp-code").upper() == served.stamps[0]["code"].upper()
    _shot(page, "inspection-scan")
    ctx.close()


def test_record_offline_then_sync_exactly_once(served: Served, browser: Any) -> None:
    stamp = served.stamps[1]
    path = f"/web/inspections/{served.inspection_id}"
    ctx, page = _logged_in(
        browser, served.base, path, viewport={"width": 390, "height": 844}, device_scale_factor=2
    )
    ctx.set_offline(True)
    page.wait_for_selector('#net-state[data-online="no"]')
    page.fill("#stamp-code", stamp["code"])
    page.check("input[name=kind][value=broken_seal]")
    page.fill("#f-note", "Kẹp chì bị cắt")
    page.click("#finding-save")
    _pending_becomes(page, 1)
    uuid = page.locator("#queue li").first.get_attribute("data-uuid")
    assert uuid
    _shot(page, "inspection-offline")
    with new_session(served.engine) as session:  # nothing reached the server
        stored = select(InspectionFinding).where(col(InspectionFinding.client_uuid) == uuid)
        assert session.exec(stored).all() == []

    ctx.set_offline(False)  # the 'online' event sends the queue
    page.wait_for_selector(f'#synced li[data-uuid="{uuid}"]', timeout=15000)
    assert _pending(page) == "0"
    assert page.get_attribute(f'#synced li[data-uuid="{uuid}"]', "data-status") == "created"
    # A finding the server refuses leaves the queue and is shown with its reason.
    page.fill("#stamp-code", stamp["code"])
    page.check("input[name=kind][value=error_beyond_mpe]")  # without its test points
    page.click("#finding-save")
    page.wait_for_selector("#rejected li")
    assert "phải kèm các điểm thử" in page.inner_text("#rejected")
    assert _pending(page) == "0"
    _shot(page, "inspection-synced")

    page.reload()  # a reload syncs an empty queue: nothing is sent twice
    page.wait_for_selector('#net-state[data-online="yes"]')
    assert _pending(page) == "0"
    assert page.locator(f'#stored tr[data-uuid="{uuid}"]').count() == 1
    with new_session(served.engine) as session:
        found = session.exec(
            select(InspectionFinding).where(col(InspectionFinding.client_uuid) == uuid)
        ).all()
        assert len(found) == 1
        assert found[0].kind == "broken_seal"
        row = session.get(Stamp, stamp["id"])
        assert row is not None
        assert row.status == "revoked"
        assert row.revoked_at is not None
        assert found[0].revoked_stamp_ids == [stamp["id"]]
    ctx.close()


def test_checks_and_measures_recorded_offline_sync_once_with_their_verdict(
    served: Served, browser: Any
) -> None:
    stamp = served.stamps[0]
    path = f"/web/inspections/{served.inspection_id}"
    ctx, page = _logged_in(browser, served.base, path, viewport={"width": 360, "height": 740})
    ctx.set_offline(True)
    page.wait_for_selector('#net-state[data-online="no"]')
    # A kilo of pork re-weighed: the seller's display in kg, the team's reference in grams.
    page.check("input[name=check-kind][value=retail_weighing]")
    assert page.is_hidden("#c-max")  # Max belongs to gold checks only
    page.fill("#c-goods", "Thịt lợn")
    page.fill("#c-declared", "1,2 kg")
    page.fill("#c-measured", "1.200")
    page.click("#check-save")
    # The scale is sealed: two seal numbers.
    page.check("input[name=measure-kind][value=sealing]")
    page.fill("#m-instrument", str(stamp["instrument_id"]))
    page.fill("#m-seals", "NP-0101, NP-0102")
    page.click("#measure-save")
    _pending_becomes(page, 2)
    uuids = [li.get_attribute("data-uuid") for li in page.locator("#queue li").all()]
    assert all(uuids)
    _shot(page, "inspection-offline-check-measure")
    # The queue survives a reload: the page is reloaded (with the network, no service worker
    # yet) while the sync route fails, and both entries are still waiting.
    page.route("**/findings/sync", lambda route: route.abort())
    ctx.set_offline(False)
    page.reload()
    page.wait_for_selector('#net-state[data-online="yes"]')
    assert _pending(page) == "2"
    page.unroute("**/findings/sync")
    page.click("#sync-now")
    for uuid in uuids:
        page.wait_for_selector(f'#synced li[data-uuid="{uuid}"]', timeout=15000)
    assert page.get_attribute(f'#synced li[data-uuid="{uuids[0]}"]', "data-verdict") == "within"
    assert _pending(page) == "0"
    page.reload()
    page.wait_for_selector('#net-state[data-online="yes"]')
    assert page.locator(f'#stored-checks li[data-uuid="{uuids[0]}"]').count() == 1
    assert "NP-0101, NP-0102" in page.inner_text("#stored-measures")
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow
    _shot(page, "inspection-checks-synced")
    with new_session(served.engine) as session:
        checks = session.exec(
            select(MeasurementCheck).where(col(MeasurementCheck.client_uuid) == uuids[0])
        ).all()
        assert [(c.declared, c.measured, c.goods) for c in checks] == [(1200.0, 1200.0, "Thịt lợn")]
        measures = session.exec(
            select(InspectionMeasure).where(col(InspectionMeasure.client_uuid) == uuids[1])
        ).all()
        assert [m.seal_numbers for m in measures] == [["NP-0101", "NP-0102"]]
    ctx.close()
