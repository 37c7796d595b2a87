"""A real browser (Playwright driving Debian's Chromium) reads the verify page from uvicorn."""

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from metrology_svc.db import new_session
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.factories import World, make_world, spring_scale

POINTS = [
    {"reference": 500, "indicated": 525},
    {"reference": 7500, "indicated": 7450},
    {"reference": 15000, "indicated": 15075},
]


@dataclass
class Served:
    """A running server and the codes of the stamps it holds."""

    base: str
    codes: dict[str, str]
    engine: Engine


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
    engine = file_database(root)
    with new_session(engine) as session:
        world = make_world(session)
        session.commit()
    with serve_app(root, engine) as base:
        yield Served(base, _arrange(base, world), engine)


EXPECT = {
    "valid": ("Tem còn hiệu lực", ["LX-1001", "KC-LX-1001", "Nhơn Hòa", "NHS-15", "Chợ Kỳ Anh"]),
    "expired": ("Tem đã hết hiệu lực", ["LX-1002", "01/02/2025"]),  # spring dial: 24 months
    "revoked": ("Tem đã bị thu hồi", ["Tem bị mất hoặc bị lấy cắp", "LX-1003"]),
    "forged": ("CẢNH BÁO: tem giả", []),
}


def test_browser_sees_each_state(served: Served, browser: Any) -> None:
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
