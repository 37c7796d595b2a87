"""The plan pages in a real browser on a 360 px phone: they fit, a plan is approved and a
target opens its inspection; the plan page on a desktop too."""

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from metrology_svc.inspection_plans import service, targets
from metrology_svc.inspection_plans.schemas import PlanCreate, TargetCreate
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.factories import ADMIN, make_world
from tests.metrology_svc.web.conftest import PASSWORD

EMAIL = "admin@tdc.example.vn"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Serve a draft plan of this year over both communes with two targets; yield URL, plan."""
    root = tmp_path_factory.mktemp("web-plans")
    engine = file_database(root)
    today = date.today()
    with new_session(engine) as session:
        world = make_world(session)
        plan = service.create_plan(
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
            [
                TargetCreate(site_id=world.market_a, month=today.month),
                TargetCreate(site_id=world.station_a, month=today.month, note="Kiểm tra đột xuất"),
            ],
        )
        set_password(session, email=EMAIL, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        yield base, plan.id or 0


def _fits(page: Any, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, f"the page is {scrolled} px wide on a {width} px screen"


def test_a_plan_is_approved_and_opens_an_inspection_on_a_phone(
    served: tuple[str, int], browser: Any
) -> None:
    base, plan_id = served
    page = browser.new_page(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, locale="vi-VN"
    )
    page.goto(f"{base}/web/plans")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/web/plans")
    assert page.locator("h1").inner_text() == "Kế hoạch kiểm tra nhà nước về đo lường"
    _fits(page, 360)
    page.screenshot(path=str(SCREENSHOTS / "web-plans-phone.png"), full_page=True)
    page.click(f"[data-plan='{plan_id}'] a")
    page.wait_for_url(f"{base}/web/plans/{plan_id}")
    _fits(page, 360)
    page.screenshot(path=str(SCREENSHOTS / "web-plan-draft-phone.png"), full_page=True)
    page.fill("#f-signer_name", "Trần Văn Nam")
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector("#done")
    assert page.locator("#state").inner_text() == "Đã phê duyệt"
    assert re.match(r"Số: \d\d/KH-SKHCN", page.locator("#h-plan").inner_text())
    _fits(page, 360)
    page.locator(".open-form summary").first.click()
    page.screenshot(path=str(SCREENSHOTS / "web-plan-approved-phone.png"), full_page=True)
    page.locator(".open-form form button[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"{base}/web/inspections/\d+$"))
    page.go_back()
    page.reload()
    assert page.locator(".inspection-link").count() == 1
    desktop = browser.new_page(viewport={"width": 1366, "height": 768})
    desktop.context.add_cookies(page.context.cookies())
    desktop.goto(f"{base}/web/plans/{plan_id}")
    _fits(desktop, 1366)
    desktop.screenshot(path=str(SCREENSHOTS / "web-plan-desktop.png"), full_page=True)
    desktop.goto(f"{base}/web/plans")
    _fits(desktop, 1366)
    desktop.screenshot(path=str(SCREENSHOTS / "web-plans-desktop.png"), full_page=True)
