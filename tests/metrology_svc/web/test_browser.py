"""A real browser (Playwright driving Debian's Chromium) uses the web pages served by uvicorn."""

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from devices.store import store_batch
from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.notices.models import DeliveryStatus, NoticeDelivery, NoticeKind
from metrology_svc.notices.service import enqueue
from metrology_svc.readings.ingest_rules import IngestRules
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.devices.ingest.support import Market, admin_of, make_market
from tests.devices.test_store import _check, _msg
from tests.factories import dispenser
from tests.metrology_svc.readings.support import SETTINGS, binding_rules
from tests.metrology_svc.stamps.test_qr import zbarimg
from tests.metrology_svc.web.conftest import PASSWORD
from tests.services import missing

EMAIL = "inspector_a@tdc.example.vn"


@dataclass
class Served:
    """A running server over a file database with one market, its control scale and a notice."""

    base: str
    engine: Engine
    market: Market


def _arrange(engine: Engine) -> Market:
    with new_session(engine) as session:
        market = make_market(session)
        set_password(session, email=EMAIL, password=PASSWORD)
        set_password(session, email="admin@tdc.example.vn", password=PASSWORD)
        station = create_instrument(
            session, admin_of(session), InstrumentCreate.model_validate(dispenser(market.world))
        )
        station.status = InstrumentStatus.OVERDUE
        enqueue(
            session,
            kind=NoticeKind.OVERDUE_RECALL,
            instrument_id=station.id or 0,
            due_date=date(2026, 11, 1),
            now=datetime(2026, 11, 20, 8, tzinfo=UTC),
        )
        for delivery in session.exec(select(NoticeDelivery)):  # the mail server refused, 5 times
            delivery.status, delivery.error = DeliveryStatus.GIVEN_UP, "SMTPConnectError: refused"
            session.add(delivery)
        checks = [_check(1, declared=1000, mass=990)]
        checks += [_check(s, declared=1000, mass=950, day=s) for s in (2, 3, 4)]
        rules = binding_rules(session)  # shortfalls are evidence only under a binding table
        store_batch(session, [_msg(market.device_id, "reading", b) for b in checks], rules)
        session.commit()
    return market


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Run the app in uvicorn on a free port over a fresh SQLite file."""
    root = tmp_path_factory.mktemp("web-browser")
    engine = file_database(root)
    market = _arrange(engine)
    with serve_app(root, engine, feed_poll_seconds=0.2) as base:
        yield Served(base, engine, market)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"web-{name}.png"), full_page=True)


def _login(page: Any, base: str, *, email: str = EMAIL, next_path: str = "/web/") -> None:
    page.goto(f"{base}{next_path}")
    assert "/web/login" in page.url  # no session: the login form first
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


def test_log_in_and_see_the_dashboard(served: Served, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(f"{served.base}/web/login")
    page.fill("#email", EMAIL)
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator("#login-error").inner_text() == "E-mail hoặc mật khẩu không đúng."
    _shot(page, "login-failed")
    _login(page, served.base)
    assert page.locator("h1").inner_text() == "Tổng quan"
    assert "Đang kết nối 1" in page.locator("#scales").inner_text()
    assert page.locator("#shortfalls tbody tr").count() == 3
    assert page.locator("svg.chart").count() == 1
    assert page.locator("#tile-overdue b").inner_text() == "1"
    assert page.locator('svg.chart rect[data-series="overdue"]').count() == 1
    _shot(page, "dashboard-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Dashboard"
    _shot(page, "dashboard-en")


def test_register_an_instrument_with_field_errors_first(served: Served, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    _login(page, served.base, next_path="/web/instruments/new")
    assert page.locator("#f-qmax_lpm").is_visible()
    page.select_option("#f-type_code", "scale_spring_dial")
    assert not page.locator("#f-qmax_lpm").is_visible()  # a scale has no flow rate
    assert page.locator("#f-e_g").is_visible()
    # The phone's number pad: the browser reads inputmode as a real attribute (it once got
    # the escaped text `"decimal"`), with the unit of Max beside the field.
    assert page.locator("#f-max_g").evaluate("e => e.inputMode") == "decimal"
    assert page.locator("#u-max_g").inner_text() == "g"
    assert page.locator("#f-serial").evaluate("e => e.autocomplete") == "off"
    page.fill("#f-manufacturer", "Nhơn Hòa")
    page.fill("#f-e_g", "năm mươi")
    page.select_option("#f-site_id", label="Chợ Kỳ Anh")
    page.select_option("#f-owner_id", index=1)
    page.click("#save")
    assert page.locator("#e-serial").inner_text() == "Bắt buộc nhập."
    assert page.locator("#e-e_g").inner_text().startswith("“năm mươi” không phải là số.")
    _shot(page, "register-errors")
    page.fill("#f-serial", "LX-WEB-1")
    page.fill("#f-model", "NHS-15")
    page.fill("#f-max_g", "15000")
    page.fill("#f-e_g", "50")
    page.fill("#f-d_g", "50")
    page.click("#save")
    page.wait_for_selector("#saved")
    assert "LX-WEB-1" in page.locator("h1").inner_text()
    _shot(page, "instrument")


def test_record_a_verification_judged_as_you_type_and_print_the_stamp(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    _login(page, served.base, next_path="/web/instruments")
    page.fill("#f-serial", "WEB")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**serial=WEB**")
    assert page.locator("#instruments tbody tr").count() == 1
    page.click("#instruments a")
    page.click("#verify")
    page.fill("#f-verifier", "KĐV Trần Văn Nam")
    page.fill("#f-procedure", "ĐLVN 30:2019")
    rows = page.locator("tr.point")
    rows.nth(0).locator('input[name="reference"]').fill("0,5")  # kg: the unit of Max 15 kg
    rows.nth(0).locator('input[name="indicated"]').fill("0,53")
    result = rows.nth(0).locator(".out-result")
    _wait_true(page, "document.querySelector('tr.point .out-result').textContent !== '—'")
    assert result.inner_text() == "Không đạt"
    assert rows.nth(0).locator(".out-mpe").inner_text() == "±25 g"
    rows.nth(0).locator('input[name="indicated"]').fill("0,525")  # correct a typo: now it passes
    _wait_true(page, "document.querySelector('tr.point .out-result').textContent === 'Đạt'")
    assert rows.nth(0).locator(".out-error").inner_text() == "25 g"
    page.click("#add-point")
    rows.nth(1).locator('input[name="reference"]').fill("15")
    rows.nth(1).locator('input[name="indicated"]').type("15,076")
    _wait_true(
        page, "document.querySelectorAll('tr.point .out-result')[1].textContent === 'Không đạt'"
    )
    assert page.locator("#overall").inner_text() == "Không đạt"
    rows.nth(1).locator('input[name="indicated"]').fill("15,075")
    # Every point within its MPE, but ĐLVN 30:2019 also asks for a load near half of Max.
    _wait_true(page, "document.querySelector('#overall').textContent === 'Chưa đủ điểm kiểm'")
    assert rows.nth(1).locator(".out-mpe").inner_text() == "±75 g"
    assert "½ Max (6000 … 9000 g)" in page.locator("#missing").inner_text()
    page.click("#add-point")
    rows.nth(2).locator('input[name="reference"]').fill("7,5")
    rows.nth(2).locator('input[name="indicated"]').fill("7,45")
    _wait_true(page, "document.querySelector('#overall').textContent === 'Đạt'")
    assert page.locator("#missing").is_hidden()
    _shot(page, "verify-as-you-type")
    page.click("#record")
    page.wait_for_selector("#result")
    assert page.locator("#result").get_attribute("data-result") == "pass"
    _shot(page, "verification-pass")
    href = page.locator("#print-stamp").get_attribute("href")
    pdf = page.request.get(f"{served.base}{href}")  # the page's own cookies
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    # The printed stamp scans to this server's public verify page, which says it is valid.
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm not installed (Debian package poppler-utils)")
    (tmp_path / "sheet.pdf").write_bytes(pdf.body())
    image = SCREENSHOTS / "web-stamp-sheet"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "200",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            "-singlefile",
            str(tmp_path / "sheet.pdf"),
            str(image),
        ],
        check=True,
        timeout=60,
    )
    (url,) = zbarimg(image.with_suffix(".png"))
    assert url.lower().startswith(f"{served.base}/v/")
    page.goto(url)
    assert page.locator("h1").inner_text() == "Tem còn hiệu lực"


def test_open_the_notices_ledger_and_resend(served: Served, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _login(page, served.base, email="admin@tdc.example.vn", next_path="/web/notices")
    ledger = page.locator("#ledger").inner_text()
    assert "TK-2024-01" in ledger
    assert "Thu hồi: quá hạn kiểm định" in ledger
    assert "Thư điện tử, lần 1: Đã ngừng thử" in ledger
    _shot(page, "notices")
    page.click("button.resend")
    page.wait_for_selector("#requeued")
    assert page.locator("#requeued").inner_text() == "Đã xếp lại lượt gửi: 1"
    assert "Thư điện tử, lần 2: Đang chờ" in page.locator("#ledger").inner_text()
    assert page.locator("button.resend").count() == 0
    _shot(page, "notices-resent")
    letter = page.locator("#ledger a", has_text="In thư").first.get_attribute("href")
    assert page.request.get(f"{served.base}{letter}").body().startswith(b"%PDF")


def test_market_page_shows_checks_live(served: Served, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    site = served.market.world.market_a
    _login(page, served.base, next_path=f"/web/markets/{site}")
    _wait_true(page, "document.querySelector('#feed-state').textContent === 'Trực tiếp'")
    # the backlog: four checks, and the inspection request the three shortfalls raised
    _wait_true(page, "document.querySelectorAll('#feed li').length === 5")
    assert "Yêu cầu kiểm tra đột xuất" in page.locator("#feed").inner_text()
    assert "A-12" in page.locator("#sellers").inner_text()
    with new_session(served.engine) as session:
        later = _check(30, declared=2000, mass=1800, day=5, stall="C-01")
        rules = IngestRules.from_database(session, SETTINGS)
        store_batch(session, [_msg(served.market.device_id, "reading", later)], rules)
        session.commit()
    _wait_true(page, "document.querySelector('#feed li').textContent.includes('C-01')")
    assert "Thiếu" in page.locator("#feed li").first.inner_text()
    _shot(page, "market")


def _wait_true(page: Any, expression: str, timeout_s: float = 15.0) -> None:
    """Wait until a page expression is true, polled from here: Playwright's wait_for_function
    evaluates a string inside the page, which the pages' content policy (no eval) refuses."""
    _until(page, lambda: bool(page.evaluate(expression)), timeout_s=timeout_s)


def _until(page: Any, condition: Callable[[], bool], timeout_s: float = 20) -> None:
    """Let the page run (and its routes answer) until the condition holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(50)


def test_market_feed_resumes_after_a_drop_and_says_when_too_much_was_missed(
    served: Served, browser: Any
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    site = served.market.world.market_a
    feed = f"**/web/markets/{site}/feed*"
    # Streams of a second, so the page's own EventSource reconnects by itself, and often.
    page.add_init_script(
        "const Real = window.EventSource;"
        "window.EventSource = function (url) { return new Real(url + '?max_seconds=1'); };"
    )
    sent: list[str | None] = []  # the Last-Event-ID of each connection the page opened
    stream = f"/web/markets/{site}/feed?"
    page.on(
        "request",
        lambda r: sent.append(r.all_headers().get("last-event-id")) if stream in r.url else None,
    )
    _login(page, served.base, next_path=f"/web/markets/{site}")
    _wait_true(page, "document.querySelectorAll('#feed li').length > 0")
    shown = page.locator("#feed li").count()
    # Two reconnects: the first resumed stream has ended, every event of it shown.
    _until(page, lambda: len(sent) >= 3)
    assert sent[0] is None
    assert all((position or "").startswith("c") for position in sent[1:])  # sent by itself
    assert page.locator("#feed li").count() == shown  # resumed: no backlog shown twice

    page.route(feed, lambda route: route.abort())  # the network drops
    attempts = len(sent)
    _until(page, lambda: len(sent) > attempts)  # the page is cut off and retrying
    honest = [_check(1000 + i, declared=500, mass=500, stall="B-07") for i in range(520)]
    with new_session(served.engine) as session:
        rules = IngestRules.from_database(session, SETTINGS)
        store_batch(session, [_msg(served.market.device_id, "reading", b) for b in honest], rules)
        session.commit()
    page.unroute(feed)
    page.wait_for_selector("#feed-gap", timeout=20_000)
    gap = page.locator("#feed-gap").inner_text()
    assert gap.startswith("Mất kết nối quá lâu: 20 sự kiện")  # Vietnamese first
    assert "/ Disconnected too long: 20 older events" in gap
    assert page.locator("#feed-gap a").get_attribute("href") == f"/web/markets/{site}"
    _wait_true(page, "document.querySelectorAll('#feed li').length === 100")
    _shot(page, "market-gap")
