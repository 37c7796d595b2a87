"""Real Chromium walks every page an administrator can reach and the public stamp page: the
content security policy is in force and nothing on any page breaks it (no inline script, no
foreign source), at phone width."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import pytest

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from tests.browser import file_database, serve_app
from tests.factories import World, make_world, spring_scale
from tests.metrology_svc.stamps.support import GOOD_POINTS
from tests.metrology_svc.web.conftest import PASSWORD

EMAIL = "admin@tdc.example.vn"
MAX_PAGES = 60
SKIP = ("/web/logout", ".pdf", ".xlsx", ".csv", ".png", ".svg", "/export", "/download")
# Collected in each page before its own scripts run (Playwright's init scripts are not
# subject to the page's policy).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@dataclass
class Served:
    """A running server with a stamped scale and an open inspection."""

    base: str
    stamp_code: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("web-csp")
    engine = file_database(root)
    with new_session(engine) as session:
        world: World = make_world(session)
        set_password(session, email=EMAIL, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        auth = world.auth("admin")
        api = f"{base}/api/v1"
        made = httpx.post(f"{api}/instruments", json=spring_scale(world), headers=auth)
        assert made.is_success, made.text
        iid = made.json()["id"]
        body = {
            "kind": "periodic",
            "verified_on": date.today().isoformat(),
            "verifier": "KĐV Trần Văn Nam",
            "procedure": "ĐLVN 30:2019",
            "points": GOOD_POINTS,
        }
        assert httpx.post(f"{api}/instruments/{iid}/verifications", json=body, headers=auth)
        stamp = httpx.get(f"{api}/stamps", params={"instrument_id": iid}, headers=auth).json()[0]
        opened = {"site_id": world.market_a, "inspector": "Lê Văn Hùng"}
        opened["inspected_on"] = date.today().isoformat()
        assert httpx.post(f"{api}/inspections", json=opened, headers=auth).is_success
        yield Served(base, stamp["code"])


def _links(page: Any, base: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        url = urljoin(base, href)
        parsed = urlparse(url)
        if parsed.netloc != urlparse(base).netloc or not parsed.path.startswith("/web"):
            continue
        if any(s in parsed.path for s in SKIP):
            continue
        found.append(parsed._replace(fragment="").geturl())
    return found


def test_no_page_breaks_the_content_security_policy(served: Served, browser: Any) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    ctx.add_init_script(LISTEN)
    page = ctx.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{served.base}/web/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    seen: set[str] = set()
    queue = [f"{served.base}/web/", f"{served.base}/v/{served.stamp_code}"]
    violations: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None
        assert response.headers.get("content-security-policy"), url
        page.wait_for_load_state("networkidle")
        found: list[str] = page.evaluate("window.__csp")
        if found:
            violations[url] = found
        queue.extend(u for u in _links(page, served.base) if u not in seen)
    ctx.close()
    assert len(seen) >= 8, seen  # the walk really went through the pages
    assert violations == {}
    assert not [m for m in console if "Content Security Policy" in m]
