"""A real browser opens a notice's short link: nothing changes until its button is pressed."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.db import new_session
from metrology_svc.notices.models import Notice
from metrology_svc.notices.service import ack_url
from metrology_svc.settings import Settings
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.metrology_svc.web.test_browser import Served, _arrange


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    """Run the app over a fresh SQLite file with one notice; yield it and the notice's link."""
    root = tmp_path_factory.mktemp("ack-browser")
    engine = file_database(root)
    market = _arrange(engine)
    with new_session(engine) as session:
        notice_id = session.exec(select(Notice.id)).first()
    assert notice_id is not None
    with serve_app(root, engine) as base:
        settings = Settings(data_dir=root, stamp_key_dir=root / "keys", public_base_url=base)
        yield Served(base, engine, market), ack_url(settings, notice_id)


def _state(served: Served) -> tuple[bool, int]:
    with new_session(served.engine) as session:
        notice = session.exec(select(Notice)).first()
        assert notice is not None
        audits = session.exec(
            select(AuditRecord).where(AuditRecord.action == "notice.acknowledge")
        ).all()
        return notice.acknowledged_at is not None, len(audits)


def test_opening_the_link_shows_the_page_and_the_button_acknowledges(
    served: tuple[Served, str], browser: Any
) -> None:
    app, link = served
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(link)
    page.reload()  # a scanner, then the owner: still nothing
    number = page.locator("#ack-number").inner_text()
    assert number.startswith("TB-")
    assert page.locator("#ack-button").is_visible()
    assert _state(app) == (False, 0)
    page.screenshot(path=str(SCREENSHOTS / "ack-page.png"), full_page=True)
    page.click("#ack-button")
    page.wait_for_selector("#ack-done")
    assert page.url == link  # post/redirect/get: back on the link itself
    assert "Đã xác nhận" in page.locator("#ack-done").inner_text()
    assert page.locator("#ack-button").count() == 0
    page.reload()
    assert _state(app) == (True, 1)
    page.screenshot(path=str(SCREENSHOTS / "ack-done.png"), full_page=True)
    page.goto(link[:-3] + "AAA")  # a damaged link
    assert "không hợp lệ" in page.locator("#ack-error").inner_text()
