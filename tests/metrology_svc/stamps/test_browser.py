"""A real browser (Playwright driving Debian's Chromium) reads the verify page from uvicorn."""

import base64
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, text

from metrology_svc.app import create_app
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.settings import Settings
from tests.factories import World, make_world, spring_scale
from tests.services import missing

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
POINTS = [{"reference": 500, "indicated": 525}, {"reference": 15000, "indicated": 15075}]


@dataclass
class Served:
    """A running server and the codes of the stamps it holds."""

    base: str
    codes: dict[str, str]
    engine: Engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stamp(api: httpx.Client, world: World, serial: str, on: str) -> dict[str, str]:
    body = {**spring_scale(world, serial=serial), "seal_number": f"KC-{serial}"}
    iid = api.post("/api/v1/instruments", json=body).raise_for_status().json()["id"]
    verification = {
        "kind": "periodic",
        "verified_on": on,
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 30:2019",
        "points": POINTS,
    }
    api.post(f"/api/v1/instruments/{iid}/verifications", json=verification).raise_for_status()
    stamps = api.get("/api/v1/stamps", params={"instrument_id": iid}).raise_for_status().json()
    stamp: dict[str, str] = stamps[0]
    return stamp


def _arrange(base: str, world: World) -> dict[str, str]:
    """Issue a valid, an expired and a revoked stamp over HTTP; forge a fourth code."""
    with httpx.Client(base_url=base, headers=world.auth("admin"), timeout=30) as api:
        codes = {
            "valid": _stamp(api, world, "LX-1001", "2026-11-02")["code"],
            "expired": _stamp(api, world, "LX-1002", "2023-02-01")["code"],
        }
        revoked = _stamp(api, world, "LX-1003", "2026-11-02")
        api.post(
            f"/api/v1/stamps/{revoked['id']}/revoke", json={"reason": "lost_or_stolen"}
        ).raise_for_status()
    codes["revoked"] = revoked["code"]
    raw = bytearray(base64.b32decode(codes["valid"]))
    raw[20] ^= 0x40  # one bit of the signature
    codes["forged"] = base64.b32encode(bytes(raw)).decode()
    return codes


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Run the app in uvicorn on a free port over a fresh SQLite file with four stamps."""
    root = tmp_path_factory.mktemp("browser")
    engine = build_engine(f"sqlite:///{root / 'db.sqlite'}")
    prepare_database(engine)
    with new_session(engine) as session:
        world = make_world(session)
        session.commit()
    port = _free_port()
    settings = Settings(
        data_dir=root, stamp_key_dir=root / "keys", public_base_url=f"http://127.0.0.1:{port}"
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings=settings, engine=engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        yield Served(base, _arrange(base, world), engine)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()


EXPECT = {
    "valid": ("Tem còn hiệu lực", ["LX-1001", "KC-LX-1001", "Nhơn Hòa", "NHS-15", "Chợ Kỳ Anh"]),
    "expired": ("Tem đã hết hiệu lực", ["LX-1002", "01/02/2024"]),
    "revoked": ("Tem đã bị thu hồi", ["Tem bị mất hoặc bị lấy cắp", "LX-1003"]),
    "forged": ("CẢNH BÁO: tem giả", []),
}


def test_browser_sees_each_state(served: Served) -> None:
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        missing("Chromium (Debian package chromium) is not installed")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            for state, (headline, details) in EXPECT.items():
                page.goto(f"{served.base}/v/{served.codes[state]}")
                banner = page.locator("#state")
                assert banner.get_attribute("data-state") == state
                assert page.locator("h1").inner_text() == headline
                text = page.locator("main").inner_text()
                for detail in details:
                    assert detail in text, (state, detail)
                assert "Nguyễn Thị Hoa" not in text  # the owner's own name is personal data
                page.screenshot(path=str(SCREENSHOTS / f"verify-{state}.png"), full_page=True)
            page.click("#lang")  # English is one tap away
            assert page.locator("h1").inner_text() == "WARNING: forged stamp"
            page.goto(f"{served.base}/V/{served.codes['valid'].lower()}?lang=en")
            assert page.locator("h1").inner_text() == "Valid stamp"
            assert "Valid until" in page.locator("main").inner_text()
            page.screenshot(path=str(SCREENSHOTS / "verify-valid-en.png"), full_page=True)
        finally:
            browser.close()


def test_real_server_writes_scans_in_the_background(served: Served) -> None:
    def page_scans() -> int:
        with served.engine.connect() as conn:
            found = conn.execute(text("SELECT count(*) FROM stamp_scan WHERE code = 'probe'"))
            return int(found.scalar_one())

    assert httpx.get(f"{served.base}/v/probe", timeout=30).status_code == 404
    deadline = time.monotonic() + 10
    while page_scans() == 0:  # written by the flusher task, not by the request
        assert time.monotonic() < deadline, "the scan was never written"
        time.sleep(0.05)
