"""The rehoming review page in a real browser on a 360 px phone: it fits, and a decision works."""

from collections.abc import Iterator
from typing import Any

import pytest

from metrology_svc.auth.credentials import set_password
from metrology_svc.db import new_session
from metrology_svc.rehoming.service import rehome
from tests.browser import SCREENSHOTS, file_database, serve_app
from tests.factories import make_world
from tests.metrology_svc.rehoming.support import make_old
from tests.metrology_svc.web.conftest import PASSWORD

EMAIL = "inspector_a@tdc.example.vn"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Serve a registry with one open case (a market of the split Xã Kỳ Lợi); yield URL, case."""
    root = tmp_path_factory.mktemp("web-rehoming")
    engine = file_database(root)
    with new_session(engine) as session:
        make_world(session)
        old = make_old(session)
        old.site(
            session,
            "Chợ Kỳ Lợi (chợ đầu mối hải sản, thôn Hải Phong)",
            "18796",
            address="Tổ dân phố 3, phường Sông Trí, tỉnh Hà Tĩnh",
        )
        case_id = rehome(session).cases_opened[0].case_id or 0
        set_password(session, email=EMAIL, password=PASSWORD)
        session.commit()
    with serve_app(root, engine) as base:
        yield base, case_id


def test_the_review_fits_a_phone_and_decides(served: tuple[str, int], browser: Any) -> None:
    base, case_id = served
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page.goto(f"{base}/web/rehoming")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/web/rehoming")
    assert page.locator("h1").inner_text() == "Rà soát địa bàn sau sắp xếp"
    checked = page.locator(f"#case-{case_id} input[type=radio]:checked")
    assert checked.count() == 1
    label = page.locator(f"label[for='{checked.get_attribute('id')}']").inner_text()
    assert "Phường Sông Trí (18754)" in label
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px phone"
    page.screenshot(path=str(SCREENSHOTS / "web-rehoming-phone.png"), full_page=True)
    page.fill(f"#note-{case_id}", "Theo địa chỉ mới")
    page.click(f"#decide-{case_id}")
    page.wait_for_selector("#decided")
    assert page.locator(f"#case-{case_id}").count() == 0
    assert page.locator("#no-cases").is_visible()
