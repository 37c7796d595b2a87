"""Real Chromium visits every page of the web UI on a 360×740 phone and a 1366×768 laptop:
nothing reaches past the right edge of the screen (no sideways scrolling, no cut-off table,
filter or form), and on the phone the verification form shows each point's error, MPE and
pass/fail beside the point. Screenshots of the main pages at both sizes go to the artifacts.

The pages are found the way a user finds them: from the menu, link by link (as an
administrator, who sees every page and every form), plus the pages no menu leads to (a
verification's record, the district view, the public stamp page, the login page and a
notice's acknowledgement link).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx
import pytest
from sqlmodel import select

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from metrology_svc.inspection_plans import service as plans
from metrology_svc.inspection_plans import targets
from metrology_svc.inspection_plans.schemas import PlanCreate, TargetCreate
from metrology_svc.notices.models import Notice
from metrology_svc.notices.service import ack_url
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.factories import ADMIN, spring_scale
from tests.metrology_svc.control_logs.support import _board
from tests.metrology_svc.stamps.support import GOOD_POINTS
from tests.metrology_svc.web.conftest import PASSWORD
from tests.metrology_svc.web.test_browser import _arrange, _until

EMAIL = "admin@tdc.example.vn"
BOARD = "bql-a@cho.example.vn"  # a market board: it sees its market's control-scale log only
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
MAX_PAGES = 60
PER_KIND = 2
# Routes the walk must reach (ids as {id}): every kind of page the issue names.
MUST_REACH = {
    "/web/",
    "/web/instruments",
    "/web/instruments/new",
    "/web/instruments/{id}",
    "/web/instruments/{id}/edit",
    "/web/instruments/{id}/verify",
    "/web/verifications/{id}",
    "/web/notices",
    "/web/markets",
    "/web/markets/{id}",
    "/web/inspections",
    "/web/inspections/{id}",
    "/web/inspections/{id}/procedure",
    "/web/plans",
    "/web/plans/{id}",
    "/web/rounds",
    "/web/reports/yearly",
    "/web/rehoming",
    "/web/owners/duplicates",
    "/web/owners/merge",
    "/web/control-log/{id}",
    "/web/password",
}
SKIP = ("/web/logout", ".pdf", ".xlsx", ".csv", ".png", ".svg", "/export", "/download", "/feed")
# Pages worth a screenshot at both sizes: name and path (the first page of each).
SHOTS = {
    "dashboard": r"/web/",
    "instruments": r"/web/instruments",
    "instrument": r"/web/instruments/\d+",
    "register": r"/web/instruments/new",
    "verify": r"/web/instruments/\d+/verify",
    "verification": r"/web/verifications/\d+",
    "notices": r"/web/notices",
    "market": r"/web/markets/\d+",
    "inspections": r"/web/inspections",
    "field": r"/web/inspections/\d+",
    "procedure": r"/web/inspections/\d+/procedure",
    "plan": r"/web/plans/\d+",
    "rounds": r"/web/rounds",
    "report": r"/web/reports/yearly",
    "owner-duplicates": r"/web/owners/duplicates",
    "owner-merge": r"/web/owners/merge",
    "public-stamp": r"/v/.+",
    "login": r"/web/login",
    "ack": r"/xn/.+",
}
# Every visible element whose box reaches past the viewport's right edge (or starts left of
# it while showing on screen: the off-screen "skip to content" link is not on screen). Only
# the outermost offenders are named; the count says how many there are in all.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = new Set();
  const named = [];
  // inside a box kept for screen readers only (a card table's 1 px, clipped header row)
  const hidden = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.position === "absolute" && style.overflow === "hidden" && up.clientWidth <= 1) {
        return true;
      }
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) { continue; }
    if (!el.checkVisibility({ visibilityProperty: true })) { continue; }
    const left = box.left + window.scrollX, right = box.right + window.scrollX;
    if (right <= width + 0.5 && !(left < -0.5 && right > 0)) { continue; }
    if (hidden(el)) { continue; }
    out.add(el);
    if (out.has(el.parentElement)) { continue; }
    const names = typeof el.className === "string" ? el.className.trim() : "";
    const cls = names ? "." + names.split(/\\s+/).join(".") : "";
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    named.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + cls +
               " [" + Math.round(left) + "…" + Math.round(right) + "] " + JSON.stringify(text));
  }
  return { width: width, scroll: document.scrollingElement.scrollWidth,
           count: out.size, named: named.slice(0, 6) };
}"""


@dataclass
class Served:
    """A running server with every kind of page filled in, and the ids the menu does not give."""

    base: str
    stamp_code: str
    ack_link: str
    extra: list[str]  # pages no link leads to


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("web-layout")
    engine = file_database(root)
    market = _arrange(engine)  # a market, its control scale, shortfalls and a refused notice
    world = market.world
    today = date.today()
    with new_session(engine) as session:
        plan = plans.create_plan(
            session,
            ADMIN,
            PlanCreate.model_validate(
                {
                    "year": today.year,
                    "issuer_unit_code": "42",
                    "unit_codes": ["18754", "18781"],
                    "site_kinds": ["market", "fuel_station"],
                    "purpose": "Phát hiện, ngăn ngừa vi phạm về đo lường trong mua bán.",
                    "content": "Kiểm tra tem kiểm định, sai số của cân và cột đo xăng dầu.",
                    "resources": "Đoàn kiểm tra gồm 03 công chức của Sở; quả cân chuẩn M1.",
                }
            ),
        )
        targets.add_targets(
            session,
            ADMIN,
            plan.id or 0,
            [TargetCreate(site_id=world.station_a, month=today.month, note="Kiểm tra đột xuất")],
        )
        notice_id = session.exec(select(Notice.id)).first()
        # Possible duplicate owners: Hoa again without a phone, a phone under two names.
        again = Owner(name="NGUYỄN THỊ HOA", address="Thôn 3, phường Sông Trí, tỉnh Hà Tĩnh")
        phone_1 = Owner(
            name="Công ty TNHH Thương mại Dịch vụ Cân điện tử Hà Tĩnh", phone="0903111222"
        )
        phone_2 = Owner(name="Lê Thị Cúc", trade_name="Sạp cá Cúc", phone="+84 903 111 222")
        session.add_all([again, phone_1, phone_2])
        session.flush()
        merge_page = f"/web/owners/merge?keep={world.owner_vi}&duplicate={again.id}"
        _board(session, "a", world.market_a)
        set_password(session, email=BOARD, password=PASSWORD)
        session.commit()
    assert notice_id is not None
    with serve_app(root, engine) as base:
        auth, api = world.auth("admin"), f"{base}/api/v1"
        made = httpx.post(f"{api}/instruments", json=spring_scale(world), headers=auth)
        assert made.is_success, made.text
        iid = made.json()["id"]
        body = {
            "kind": "periodic",
            "verified_on": today.isoformat(),
            "verifier": "KĐV Trần Văn Nam",
            "procedure": "ĐLVN 30:2019",
            "points": GOOD_POINTS,
        }
        verified = httpx.post(f"{api}/instruments/{iid}/verifications", json=body, headers=auth)
        assert verified.is_success, verified.text
        stamp = httpx.get(f"{api}/stamps", params={"instrument_id": iid}, headers=auth).json()[0]
        opened = {"site_id": world.market_a, "inspector": "Lê Văn Hùng"}
        opened["inspected_on"] = today.isoformat()
        assert httpx.post(f"{api}/inspections", json=opened, headers=auth).is_success
        settings = Settings(data_dir=root, stamp_key_dir=root / "keys", public_base_url=base)
        extra = [
            f"/web/verifications/{verified.json()['id']}",
            f"/web/instruments/{iid}/verify",
            f"/web/instruments/{iid}/edit",
            "/web/?view=districts",
            f"/web/control-log/{world.market_a}",
            merge_page,
        ]
        yield Served(base, stamp["code"], ack_url(settings, notice_id), extra)


def _links(page: Any, base: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parsed = urlparse(urljoin(base, href))
        if parsed.netloc != urlparse(base).netloc or not parsed.path.startswith("/web"):
            continue
        if any(s in parsed.path for s in SKIP) or "lang=" in parsed.query:
            continue
        found.append(parsed._replace(fragment="").geturl())
    return found


def _log_in(browser: Any, base: str, viewport: dict[str, int], email: str = EMAIL) -> Any:
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/web/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/web/{'' if email == EMAIL else 'control-log/*'}")
    return page


def _crawl(page: Any, served: Served, taken: set[str]) -> tuple[list[str], dict[str, str]]:
    """Visit every staff page reachable from the menu, plus the pages no link leads to, on
    this page's screen; return them and what sticks out where."""
    base = served.base
    seen: list[str] = []
    bad: dict[str, str] = {}
    kinds: dict[str, int] = {}  # pages of one route (ids aside): two are enough
    queue = [f"{base}/web/"] + [base + p for p in served.extra]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        kind = re.sub(r"/\d+", "/{id}", urlparse(url).path)
        if url in seen or kinds.get(kind, 0) >= PER_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        seen.append(url)
        bad |= _check_pages(page, [url], "360", taken)
        queue.extend(u for u in _links(page, base) if u not in seen)
    return seen, bad


def _overflow(page: Any) -> str:
    """Return what sticks out of the viewport on this page ('' when nothing does)."""
    found: dict[str, Any] = page.evaluate(OVERFLOW)
    if found["scroll"] <= found["width"] and not found["count"]:
        return ""
    return (
        f"page {found['scroll']} px wide on a {found['width']} px screen, "
        f"{found['count']} elements outside: " + "; ".join(found["named"])
    )


def _shot_name(url: str, size: str, taken: set[str]) -> str | None:
    parsed = urlparse(url)
    for name, path in SHOTS.items():
        if (
            re.fullmatch(path, parsed.path)
            and parsed.query in ("", "lang=en")
            and f"{name}-{size}" not in taken
        ):
            taken.add(f"{name}-{size}")
            return f"layout-{name}-{size}.png"
    return None


def _check_pages(page: Any, urls: list[str], size: str, taken: set[str]) -> dict[str, str]:
    bad: dict[str, str] = {}
    for url in urls:
        response = page.goto(url)
        assert response is not None, url
        assert response.ok, f"{url}: {response.status}"  # the page itself, not an error page
        problem = _overflow(page)
        if problem:
            bad[url] = problem
        name = _shot_name(url, size, taken)
        if name:
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    return bad


def _public(served: Served) -> list[str]:
    base = served.base
    return [f"{base}/web/login", f"{base}/v/{served.stamp_code}", served.ack_link]


def test_no_page_scrolls_sideways_on_a_phone_or_a_laptop(served: Served, browser: Any) -> None:
    taken: set[str] = set()
    phone = _log_in(browser, served.base, PHONE)
    pages, found = _crawl(phone, served, taken)
    reached = {re.sub(r"/\d+", "/{id}", urlparse(u).path) for u in pages}
    assert reached >= MUST_REACH, MUST_REACH - reached  # the walk really went everywhere
    bad = {f"360px {u}": p for u, p in found.items()}
    english = [u + ("&" if "?" in u else "?") + "lang=en" for u in pages]  # longer words
    bad |= {f"360px {u}": p for u, p in _check_pages(phone, english, "360-en", taken).items()}
    phone.context.close()
    for size, viewport in (("360", PHONE), ("1366", LAPTOP)):
        found = {}
        if size == "1366":
            page = _log_in(browser, served.base, viewport)
            found |= _check_pages(page, pages, size, taken)
            page.context.close()
        public = browser.new_context(viewport=viewport, locale="vi-VN").new_page()
        found |= _check_pages(public, _public(served), size, taken)
        public.context.close()
        board = _log_in(browser, served.base, viewport, BOARD)  # the log page with its form
        found |= _check_pages(board, [board.url], size, taken)
        board.screenshot(path=str(SCREENSHOTS / f"layout-control-log-{size}.png"), full_page=True)
        board.context.close()
        bad |= {f"{size}px {u}": p for u, p in found.items()}
    assert not bad, "\n".join(f"{u}: {p}" for u, p in bad.items())


def test_each_point_shows_its_error_mpe_and_result_beside_it_on_a_phone(
    served: Served, browser: Any
) -> None:
    page = _log_in(browser, served.base, PHONE)
    verify = next(p for p in served.extra if p.endswith("/verify"))
    page.goto(served.base + verify)
    page.click("#add-point")  # a second point below the first
    rows = page.locator("tr.point")
    rows.nth(0).locator('input[name="reference"]').fill("0,5")  # kg: the unit of Max 15 kg
    rows.nth(0).locator('input[name="indicated"]').fill("0,53")
    done = "document.querySelector('tr.point .out-result').textContent !== '—'"
    _until(page, lambda: bool(page.evaluate(done)))
    first = rows.nth(0)
    assert first.locator(".out-result").inner_text() == "Không đạt"
    assert first.locator(".out-mpe").inner_text() == "±25 g"
    assert first.locator(".out-error").inner_text() == "30 g"
    width = PHONE["width"]
    for cell in ("input[name=reference]", "input[name=indicated]", ".out-error", ".out-mpe"):
        box = first.locator(cell).bounding_box()
        assert box is not None, cell
        assert box["x"] >= 0, cell
        assert box["x"] + box["width"] <= width, cell
    result = first.locator(".out-result .badge")
    box = result.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= width
    # Beside the point: the outputs sit within the point's own box, above the next point.
    point, below = first.bounding_box(), rows.nth(1).bounding_box()
    assert point is not None
    assert below is not None
    assert point["y"] <= box["y"]
    assert box["y"] + box["height"] <= below["y"]
    assert _overflow(page) == ""
    page.screenshot(path=str(SCREENSHOTS / "layout-verify-typed-360.png"), full_page=True)
    page.context.close()


def test_the_filters_fold_into_a_panel_on_a_phone_and_stay_open_on_a_laptop(
    served: Served, browser: Any
) -> None:
    page = _log_in(browser, served.base, PHONE)
    page.goto(f"{served.base}/web/instruments")
    assert page.locator("#f-site").is_hidden()  # folded: the list comes first
    page.click("#filters summary")
    for field in ("#f-serial", "#f-type", "#f-site", "#f-status", "#f-sort"):
        box = page.locator(field).bounding_box()
        assert box is not None, field
        assert box["x"] >= 0, field
        assert box["x"] + box["width"] <= PHONE["width"], field
    site, kind = page.locator("#f-site").bounding_box(), page.locator("#f-type").bounding_box()
    assert site is not None
    assert kind is not None
    overlap = min(site["x"] + site["width"], kind["x"] + kind["width"]) - max(site["x"], kind["x"])
    assert overlap <= 0 or site["y"] >= kind["y"] + kind["height"]  # not hidden behind another
    assert _overflow(page) == ""
    page.screenshot(path=str(SCREENSHOTS / "layout-filters-open-360.png"), full_page=True)
    page.select_option("#f-site", label="Chợ Kỳ Anh")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**site_id=**")
    assert page.locator("#filters").get_attribute("open") is not None  # a filter in force shows
    assert "1" in page.locator("#filters-active").inner_text()
    page.set_viewport_size(LAPTOP)
    page.goto(f"{served.base}/web/instruments")
    assert page.locator("#f-site").is_visible()  # a laptop has room: no click needed
    page.context.close()
