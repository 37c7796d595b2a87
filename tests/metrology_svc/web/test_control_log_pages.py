"""The control-scale log pages: a market board logs in, writes its own market's log by form or
file, and reaches no other page; the market's inspector reads it; it fits a 360 px phone."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.auth.credentials import set_password
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.db import new_session
from metrology_svc.readings.models import Reading
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.metrology_svc.control_logs.support import Boards, make_boards
from tests.metrology_svc.web.conftest import PASSWORD, csrf_of, login

BOARD_A = "bql-a@cho.example.vn"


def _board_login(client: TestClient, db: Session, email: str = BOARD_A) -> Any:
    set_password(db, email=email, password=PASSWORD)
    db.commit()
    client.cookies.clear()
    token = csrf_of(client.get("/web/login").text)
    return client.post(
        "/web/login",
        data={"email": email, "password": PASSWORD, "csrf": token},
        follow_redirects=True,
    )


def _form(page_html: str, **values: str) -> dict[str, str]:
    base = {"csrf": csrf_of(page_html), "day": "2026-11-23", "clock": "07:30", "seller": "A-12",
            "goods": "thịt lợn", "declared": "1", "measured": "0,9", "note": ""}  # fmt: skip
    scale = re.search(r'<option value="(\d+)" selected', page_html)
    assert scale, "the market's one control scale is chosen already"
    return base | {"scale_id": scale.group(1)} | values


@pytest.fixture
def boards(db: Session) -> Boards:
    found = make_boards(db)
    db.commit()
    return found


def test_a_board_lands_on_its_log_and_saves_a_line_once(
    client: TestClient, db: Session, boards: Boards
) -> None:
    page = _board_login(client, db)
    site = boards.market.world.market_a
    assert page.url.path == f"/web/control-log/{site}"
    assert "Sổ cân đối chứng · Chợ Kỳ Anh" in page.text
    url = f"/web/control-log/{site}"
    saved = client.post(url, data=_form(page.text), follow_redirects=True)
    assert "Đã lưu." in saved.text
    assert "ghi tay" in saved.text
    again = client.post(url, data=_form(saved.text), follow_redirects=True)
    assert "đã có trong sổ" in again.text
    (reading,) = db.exec(select(Reading)).all()
    assert reading.source == "manual"
    assert reading.declared_g == 1000
    assert reading.net_g == 900


def test_bad_fields_are_marked_in_the_page_language(
    client: TestClient, db: Session, boards: Boards
) -> None:
    page = _board_login(client, db)
    url = f"/web/control-log/{boards.market.world.market_a}"
    bad = client.post(url, data=_form(page.text, measured="-1"))
    assert bad.status_code == 422
    assert 'id="e-measured"' in bad.text
    assert "Phải lớn hơn 0." in bad.text
    future = client.post(f"{url}?lang=en", data=_form(page.text, day="2099-01-01"))
    assert future.status_code == 422
    assert "The time is in the future." in future.text
    assert list(db.exec(select(ControlLogEntry))) == []


def test_a_board_reaches_neither_another_market_nor_staff_pages(
    client: TestClient, db: Session, boards: Boards
) -> None:
    page = _board_login(client, db)
    other = f"/web/control-log/{boards.market.world.market_b}"
    assert client.get(other).status_code == 403
    assert client.post(other, data=_form(page.text)).status_code == 403
    for path in ("/web/", "/web/instruments", f"/web/markets/{boards.market.world.market_a}"):
        res = client.get(path, follow_redirects=False)
        assert res.status_code == 303
        assert res.headers["location"].startswith("/web/login")
    no_csrf = _form(page.text, csrf="0" * 64)
    res = client.post(f"/web/control-log/{boards.market.world.market_a}", data=no_csrf)
    assert res.status_code == 403


def test_an_import_shows_each_refused_cell(client: TestClient, db: Session, boards: Boards) -> None:
    page = _board_login(client, db)
    csv = ("Ngày;Giờ;Người bán;KL bán (kg);KL cân lại (kg)\n"
           "23/11/2026;07:30;A-12;1;0,9\n23/11/2026;07:40;A-12;1;abc\n").encode()  # fmt: skip
    url = f"/web/control-log/{boards.market.world.market_a}/import"
    res = client.post(
        url, data={"csrf": csrf_of(page.text)}, files={"file": ("so.csv", csv, "text/csv")}
    )
    assert res.status_code == 200, res.text
    assert "2 dòng: lưu 1, đã có 0, từ chối 1." in res.text
    assert "KL cân lại (kg)" in res.text
    assert "abc" in res.text


def test_the_markets_inspector_reads_the_log_without_the_form(
    client: TestClient, db: Session, boards: Boards
) -> None:
    login(client, db, "inspector_a")
    res = client.get(f"/web/control-log/{boards.market.world.market_a}")
    assert res.status_code == 200
    assert 'id="log-form"' not in res.text
    login(client, db, "inspector_b")
    assert client.get(f"/web/control-log/{boards.market.world.market_a}").status_code == 403


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Serve market A with its control scale and its board."""
    root: Path = tmp_path_factory.mktemp("web-control-log")
    engine = file_database(root)
    with new_session(engine) as session:
        found = make_boards(session)
        set_password(session, email=BOARD_A, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        yield base, found.market.world.market_a


def test_the_log_form_fits_a_360_px_phone(served: tuple[str, int], browser: Any) -> None:
    base, site = served
    page = browser.new_page(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, locale="vi-VN"
    )
    page.goto(f"{base}/web/login")
    page.fill("#email", BOARD_A)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/web/control-log/{site}")
    page.fill("#f-day", "2026-11-23")
    page.fill("#f-clock", "07:30")
    page.fill("#f-seller", "Sạp 12 - cô Lan")
    page.fill("#f-goods", "thịt lợn")
    page.fill("#f-declared", "1,5")
    page.fill("#f-measured", "1,38")
    page.click("#log-save")
    page.wait_for_selector("#log-notice")
    assert "Sạp 12 - cô Lan" in page.locator("#log-lines").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the log page is {width} px wide on a 360 px phone"
    page.screenshot(path=str(SCREENSHOTS / "web-control-log-phone.png"), full_page=True)
    page.fill("#f-seller", "B-07")
    page.fill("#f-declared", "2")
    page.fill("#f-measured", "-2")
    page.click("#log-save")
    assert page.locator("#e-measured").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
