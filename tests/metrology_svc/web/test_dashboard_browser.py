"""The dashboard (by commune, and by former district) and the yearly report in a real browser
on a 360 px phone: the pages fit; the tables scroll inside their cards."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.factories import make_world
from tests.metrology_svc.reports.history import make_old, move, old_site
from tests.metrology_svc.web.conftest import PASSWORD
from tests.schedules.support import add_instrument

EMAIL = "admin@tdc.example.vn"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve a registry with markets moved from Thị xã Kỳ Anh into two 2025 communes."""
    root = tmp_path_factory.mktemp("web-dashboard")
    engine = file_database(root)
    with new_session(engine) as session:
        world = make_world(session)
        old = make_old(session)
        for n, (code, new_code) in enumerate([("18754", "18754"), ("18781", "18781")]):
            site = old_site(
                session, f"Chợ số {n} (chợ đầu mối hải sản, thôn Hải Phong)", old.id(code)
            )
            for k in range(3):
                scale = add_instrument(
                    session, world, serial=f"P-{n}-{k}", due_date=date(2025, 6, 1 + k), site_id=site
                )
                scale.created_at = datetime(2024, 1, 2, tzinfo=UTC)
                session.add(scale)
            move(session, site, old.id(new_code, scheme="2025"))
        set_password(session, email=EMAIL, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        yield base


def _fits(page: Any, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name}: the page is {width} px wide on a 360 px phone"
    page.screenshot(path=str(SCREENSHOTS / f"web-{name}-phone.png"), full_page=True)


def test_dashboard_and_report_fit_a_phone(served: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page.goto(f"{served}/web/")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served}/web/")
    assert "Phường Sông Trí" in page.locator("#by-unit").inner_text()
    _fits(page, "dashboard-communes")
    page.click("#units button[type=submit]")  # the view by former districts, on 30/06/2025
    page.wait_for_selector("#units[data-view=districts]")
    assert "Thị xã Kỳ Anh" in page.locator("#by-unit").inner_text()
    _fits(page, "dashboard-districts")
    page.goto(f"{served}/web/reports/yearly?year=2024&unit_code=2004:449")
    assert page.locator("#report h2").inner_text().startswith("Thị xã Kỳ Anh")
    _fits(page, "report-2004-district")
    page.goto(f"{served}/web/reports/yearly?year=2024&unit_code=18754&lang=en")
    assert page.locator("#report h2").inner_text().startswith("Phường Hưng Trí")
    page.goto(f"{served}/web/reports/yearly?year=2024&unit_code=2025:18754")
    assert "01/07/2025" in page.locator("#refusal").inner_text()
    _fits(page, "report-refused")
