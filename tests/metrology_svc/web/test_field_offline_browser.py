"""The field page as an offline app, in real Chromium at 360×740 (Playwright, served by uvicorn).

Opened once online, the service worker (Workbox from npm) keeps the page, its scripts, the
published keys and the site's stamp status list: the page reloads with the network cut
(`context.set_offline`), checks stamps against the keys and the list, keeps what is recorded
in IndexedDB across a closed page, a new worker version and a browser restart (a persistent
profile), and syncs it exactly once. A log-out, or another account's session, empties the kept
pages.
"""

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from metrology_svc.inspections.models import InspectionFinding
from metrology_svc.web import field_offline
from metrology_svc.web.inspection_pages import DECODER
from tests.browser import ARGS, CHROMIUM, SCREENSHOTS, file_database, launch_chromium, serve_app
from tests.factories import make_world
from tests.metrology_svc.web.conftest import PASSWORD, csrf_of
from tests.metrology_svc.web.test_browser_field import (
    EMAIL,
    Served,
    _api,
    _logged_in,
    _pending,
    _pending_becomes,
    _stamped_scale,
    _until,
    write_y4m,
)
from tests.services import missing

OTHER = "viewer@tdc.example.vn"  # reads every unit's inspections
DMY_HM = r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"
USER_CACHE = "metrology-field-user"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server with a stamped scale, a second one whose stamp is revoked, and an inspection."""
    root = tmp_path_factory.mktemp("web-field-offline")
    engine = file_database(root)
    with new_session(engine) as session:
        world = make_world(session)
        set_password(session, email=EMAIL, password=PASSWORD)
        set_password(session, email=OTHER, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        stamps = [_stamped_scale(base, world, s) for s in ("OFL-0001", "OFL-0002")]
        _api(
            base,
            world,
            "POST",
            f"/stamps/{stamps[1]['id']}/revoke",
            json={"reason": "lost_or_stolen"},
        )
        body = {"site_id": world.market_a, "inspector": "Lê Văn Hùng"}
        body["inspected_on"] = date.today().isoformat()
        inspection = _api(base, world, "POST", "/inspections", json=body).json()
        png = _api(base, world, "GET", f"/stamps/{stamps[0]['id']}/qr.png").content
        video = root / "stamp.y4m"
        write_y4m(png, video)
        yield Served(base, engine, world, stamps, inspection["id"], video)


@pytest.fixture
def browser(served: Served) -> Iterator[Any]:
    """A headless Chromium whose camera plays the valid stamp's QR."""
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={served.video}",
    ]
    with launch_chromium(*camera) as chromium:
        yield chromium


def _forged(code: str) -> str:
    """Return the code with one signature character changed (still a well-formed code)."""
    i = len(code) - 10
    return code[:i] + ("A" if code[i] != "A" else "B") + code[i + 1 :]


def _check_typed(page: Any, code: str) -> tuple[str, str]:
    page.fill("#stamp-code", code)
    page.evaluate("delete document.getElementById('stamp-state').dataset.state")
    page.click("#stamp-check")
    page.wait_for_selector("#stamp-state[data-state]")
    return page.get_attribute("#stamp-state", "data-state") or "", page.inner_text("#stamp-state")


def _ready_offline(page: Any) -> str:
    """Wait until the worker kept the page and its data; return the worker's version."""
    page.wait_for_selector('#offline-ready[data-ready="yes"]', timeout=20000)
    page.wait_for_selector("#app-version[data-version]")
    return page.get_attribute("#app-version", "data-version") or ""


def _cache_names(page: Any) -> list[str]:
    names: list[str] = page.evaluate("caches.keys()")
    return names


def test_the_field_page_works_offline_and_keeps_its_queue(
    served: Served, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not DECODER.exists():
        missing("the npm-pinned jsQR and Workbox are not built (run scripts/build-js)")
    path = f"/web/inspections/{served.inspection_id}"
    url = served.base + path
    ctx, page = _logged_in(browser, served.base, path, viewport={"width": 360, "height": 740})
    version = _ready_offline(page)
    cdp = ctx.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []  # test contexts
    found = cdp.send("Page.getAppManifest")
    assert found["url"].endswith("/web/inspections/app.webmanifest")
    assert not found["errors"]
    assert USER_CACHE in _cache_names(page)
    # A queue an earlier version of the page left in localStorage moves to IndexedDB once.
    code = served.stamps[0]["code"]
    old = {"client_uuid": "00000000-0000-4000-8000-0000000000b2", "kind": "ok", "stamp_code": code}
    key = f"metrology-findings-{served.inspection_id}"
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps([old])])
    page.reload()
    page.wait_for_selector(f'#synced li[data-uuid="{old["client_uuid"]}"]')
    assert page.evaluate("k => localStorage.getItem(k)", key) is None

    # Offline, the page reloads from the worker's cache: a finding the server got meanwhile
    # (through the API) is not on it. (Chromium under Playwright still says navigator.onLine
    # after this reload; the page then finds out by failing to reach the server.)
    ctx.set_offline(True)
    meanwhile = {"client_uuid": "00000000-0000-4000-8000-0000000000a1", "kind": "ok"}
    meanwhile["stamp_code"] = code
    sync_path = f"/inspections/{served.inspection_id}/findings/sync"
    stored = _api(served.base, served.world, "POST", sync_path, json={"items": [meanwhile]})
    assert stored.json()["created"] == 1, stored.text
    answer = page.reload()
    assert answer is not None
    assert answer.from_service_worker
    assert page.locator("#field").count() == 1
    assert "#" + str(served.inspection_id) in page.inner_text("h1")
    assert page.locator(f'#stored tr[data-uuid="{meanwhile["client_uuid"]}"]').count() == 0
    page.wait_for_selector('#net-state[data-online="no"]')
    page.wait_for_selector("#status-synced[data-at]")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page.inner_text("#main"))  # dates as dd/mm/yyyy

    # The camera (jsQR from the worker's cache) reads the valid stamp: checked offline.
    page.click("#camera-start")
    page.wait_for_selector("#stamp-state[data-state]", timeout=20000)
    assert page.get_attribute("#stamp-state", "data-state") == "valid"
    assert page.get_attribute("#stamp-state", "data-how") == "offline"
    native = page.evaluate("'BarcodeDetector' in window")  # Debian's Chromium: none, so jsQR
    assert page.get_attribute("#camera", "data-decoder") == ("native" if native else "jsqr")
    text = page.inner_text("#stamp-state")
    assert served.stamps[0]["serial"] in text
    valid_until = date.fromisoformat(served.stamps[0]["valid_until"]).strftime("%d/%m/%Y")
    assert valid_until in text
    assert re.search(
        "Kiểm tra ngoại tuyến theo khóa công bố, trạng thái đồng bộ lúc " + DMY_HM, text
    )
    state, text = _check_typed(page, _forged(served.stamps[0]["code"]))
    assert state == "forged", text
    assert "tem giả" in text
    state, text = _check_typed(page, served.stamps[1]["code"])
    assert state == "revoked", text  # genuine signature, revoked on the synced list
    assert "mất" in text  # the reason: lost or stolen
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "web-field-offline-check.png"), full_page=True)

    # A finding with its test points, recorded offline, survives the page being closed.
    page.fill("#stamp-code", served.stamps[0]["code"])
    page.check("input[name=kind][value=error_beyond_mpe]")
    page.fill("#f-instrument", str(served.stamps[0]["instrument_id"]))
    page.fill("#f-points", "1.000; 1.200\n2.000; 2.400")
    page.fill("#f-note", "Cân sai quá mức")
    page.click("#finding-save")
    _pending_becomes(page, 1)
    uuid = page.locator("#queue li").first.get_attribute("data-uuid")
    assert uuid
    assert re.search(DMY_HM, page.inner_text("#queue"))
    page.close()
    page = ctx.new_page()
    page.goto(url)
    assert _pending(page) == "1"
    assert page.locator(f'#queue li[data-uuid="{uuid}"]').count() == 1
    page.screenshot(path=str(SCREENSHOTS / "web-field-offline-queue.png"), full_page=True)

    # A new version of the app arrives while the entry waits (its sync is refused meanwhile).
    refused: list[str] = []

    def refuse(route: Any) -> None:
        refused.append(route.request.url)
        route.fulfill(status=503, body="busy")

    ctx.route("**/findings/sync", refuse)
    monkeypatch.setattr(field_offline, "BUILD_EXTRA", "a new version")
    ctx.set_offline(False)
    page.click("#sync-now")
    _until(lambda: bool(refused), what="the refused sync")
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    _until(lambda: page.get_attribute("#app-version", "data-version") != version, what="update")
    assert _pending(page) == "1"
    assert page.locator(f'#queue li[data-uuid="{uuid}"]').count() == 1

    # Back in signal: it syncs exactly once, with its test points.
    ctx.unroute("**/findings/sync")
    page.click("#sync-now")
    page.wait_for_selector(f'#synced li[data-uuid="{uuid}"]', timeout=15000)
    assert page.get_attribute(f'#synced li[data-uuid="{uuid}"]', "data-status") == "created"
    assert _pending(page) == "0"
    assert re.search("Đồng bộ lần cuối: " + DMY_HM, page.inner_text("#last-sync"))
    page.reload()
    assert _pending(page) == "0"
    page.click("#sync-now")
    with new_session(served.engine) as session:
        found = session.exec(
            select(InspectionFinding).where(col(InspectionFinding.client_uuid) == uuid)
        ).all()
        assert len(found) == 1
        assert found[0].kind == "error_beyond_mpe"
        migrated = select(InspectionFinding).where(
            col(InspectionFinding.client_uuid) == old["client_uuid"]
        )
        assert len(session.exec(migrated).all()) == 1
        assert len(found[0].points or []) == 2

    # Logging out empties the kept pages: offline, the field page is no longer there.
    page.click("form[action='/web/logout'] button")
    page.wait_for_url("**/web/login**")
    _until(lambda: USER_CACHE not in _cache_names(page), what="the user cache emptied")
    ctx.set_offline(True)
    with pytest.raises(Exception, match="ERR_"):
        page.goto(url)
    ctx.close()


def _session_cookies(base: str, email: str) -> list[dict[str, Any]]:
    """Log in outside the browser; return the session's cookies for a browser context."""
    with httpx.Client(base_url=base) as client:
        form = {
            "email": email,
            "password": PASSWORD,
            "csrf": csrf_of(client.get("/web/login").text),
        }
        assert client.post("/web/login", data=form).status_code in (200, 303)
        return [{"name": c.name, "value": c.value or "", "url": base} for c in client.cookies.jar]


def test_another_user_never_gets_the_kept_pages(served: Served, browser: Any) -> None:
    path = f"/web/inspections/{served.inspection_id}"
    ctx, page = _logged_in(browser, served.base, path, viewport={"width": 360, "height": 740})
    _ready_offline(page)
    # Another account's session appears without a log-in through this browser (say, a shared
    # phone whose cookie was replaced): its first page empties the first user's kept pages.
    ctx.clear_cookies()
    ctx.add_cookies(_session_cookies(served.base, OTHER))
    page.goto(served.base + "/web/inspections")
    assert OTHER.split("@")[0] in page.inner_text("header")
    ctx.set_offline(True)
    page.reload()  # the other user's own page is kept for them
    assert OTHER.split("@")[0] in page.inner_text("header")
    with pytest.raises(Exception, match="ERR_"):
        page.goto(served.base + path)  # the first user's field page is gone
    ctx.close()


def test_the_queue_survives_a_browser_restart(served: Served, tmp_path: Path) -> None:
    if not CHROMIUM.exists() or not DECODER.exists():
        missing("Chromium, or the npm-pinned jsQR and Workbox (run scripts/build-js)")
    from playwright.sync_api import sync_playwright

    path = f"/web/inspections/{served.inspection_id}"
    with sync_playwright() as pw:

        def start() -> Any:
            return pw.chromium.launch_persistent_context(
                str(tmp_path / "profile"),
                executable_path=str(CHROMIUM),
                args=ARGS,
                headless=True,
                viewport={"width": 360, "height": 740},
            )

        ctx = start()
        page = ctx.new_page()
        page.goto(served.base + path)
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(served.base + path)
        _ready_offline(page)
        ctx.set_offline(True)
        page.fill("#stamp-code", served.stamps[0]["code"])
        page.check("input[name=kind][value=ok]")
        page.fill("#f-note", "Ghi trước khi tắt trình duyệt")
        page.click("#finding-save")
        _pending_becomes(page, 1)
        uuid = page.locator("#queue li").first.get_attribute("data-uuid")
        ctx.close()  # the browser process ends

        ctx = start()
        ctx.set_offline(True)
        page = ctx.new_page()
        page.goto(served.base + path)  # offline: from the worker's cache
        assert _pending(page) == "1"
        assert page.locator(f'#queue li[data-uuid="{uuid}"]').count() == 1
        ctx.set_offline(False)
        page.click("#sync-now")
        page.wait_for_selector(f'#synced li[data-uuid="{uuid}"]', timeout=15000)
        assert page.get_attribute(f'#synced li[data-uuid="{uuid}"]', "data-status") == "created"
        ctx.close()
    with new_session(served.engine) as session:
        found = select(InspectionFinding).where(col(InspectionFinding.client_uuid) == uuid)
        assert len(session.exec(found).all()) == 1
