"""The rehoming review page and the account-message banner on the dashboard."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.auth.service import authenticate
from metrology_svc.rehoming.service import rehome
from metrology_svc.sites.models import Site
from tests.factories import World
from tests.metrology_svc.rehoming.support import make_old
from tests.metrology_svc.web.conftest import login, page_token


def _cases(db: Session) -> dict[str, int]:
    old = make_old(db)
    split = old.site(
        db, "Chợ Kỳ Lợi", "18796", address="Tổ dân phố 3, phường Sông Trí, tỉnh Hà Tĩnh"
    )
    plain = old.site(db, "Chợ Kỳ Lợi cũ", "18796")
    result = rehome(db)
    db.commit()
    ids = {c.site_name: c.case_id or 0 for c in result.cases_opened}
    return {"split": ids[split.name], "plain": ids[plain.name], "site": split.id or 0}


def _checked(html: str, case_id: int) -> list[str]:
    section = html.split(f'id="case-{case_id}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'value="(\d+)" checked', section)


def test_an_inspector_sees_the_suggestion_preselected_and_decides(
    client: TestClient, db: Session, world: World
) -> None:
    ids = _cases(db)
    login(client, db, "inspector_a")

    page = client.get("/web/rehoming")

    assert page.status_code == 200
    html = page.text
    assert "Rà soát địa bàn sau sắp xếp" in html
    assert "Chợ Kỳ Lợi" in html
    assert "Xã Kỳ Lợi (2004: 18796)" in html
    assert "Phường Sông Trí (18754)" in html
    assert "Phường Hoành Sơn (18832)" in html
    assert "Theo địa chỉ" in html
    assert "Theo nghị quyết" in html  # the case with nothing to go by: the main successor
    song_tri, vung_ang = world.unit_ids["18754"], _unit_id(db, "18823")
    assert _checked(html, ids["split"]) == [str(song_tri)]
    assert _checked(html, ids["plain"]) == [str(vung_ang)]
    assert 'name="other_code"' not in html  # another unit is the administrator's choice

    done = client.post(
        f"/web/rehoming/{ids['split']}/decide",
        data={"unit_id": str(song_tri), "note": "Theo địa chỉ", "csrf": page_token(page)},
        follow_redirects=False,
    )

    assert done.status_code == 303
    assert done.headers["location"] == f"/web/rehoming?decided={ids['split']}"
    site = db.get(Site, ids["site"])
    db.refresh(site)
    assert site is not None
    assert site.unit_id == song_tri
    after = client.get(done.headers["location"]).text
    assert 'id="decided"' in after
    assert f'id="case-{ids["split"]}"' not in after
    assert f'id="case-{ids["plain"]}"' in after


def _unit_id(db: Session, code: str) -> int:
    from metrology_svc.units.repository import UnitRepository

    unit = UnitRepository(db).by_code(code, "2025")
    assert unit is not None
    return unit.id or 0


def test_the_page_in_english_for_a_viewer_without_a_decide_button(
    client: TestClient, db: Session, world: World
) -> None:
    ids = _cases(db)
    login(client, db, "viewer")
    html = client.get("/web/rehoming?lang=en").text
    assert "Review of sites after the reorganisation" in html
    assert "From the address" in html
    assert f'id="decide-{ids["split"]}"' not in html
    assert "disabled" in html


def test_a_decision_without_a_token_or_outside_the_area_is_refused(
    client: TestClient, db: Session, world: World
) -> None:
    ids = _cases(db)
    token = login(client, db, "inspector_b")  # Hải Ninh: no candidate of Kỳ Lợi
    assert "Không có hồ sơ nào cần rà soát." in client.get("/web/rehoming").text
    url = f"/web/rehoming/{ids['split']}/decide"
    body = {"unit_id": str(world.unit_ids["18754"])}
    assert client.post(url, data=body, follow_redirects=False).status_code == 403  # no CSRF
    refused = client.post(url, data={**body, "csrf": token}, follow_redirects=False)
    assert refused.status_code == 403
    assert "ngoài địa bàn" in refused.text


def test_an_administrator_may_choose_another_unit_with_a_note(
    client: TestClient, db: Session, world: World
) -> None:
    ids = _cases(db)
    token = login(client, db, "admin")
    assert 'name="other_code"' in client.get("/web/rehoming").text
    url = f"/web/rehoming/{ids['plain']}/decide"
    without = client.post(url, data={"other_code": "18781", "csrf": token}, follow_redirects=False)
    assert without.status_code == 422
    assert "ghi chú" in without.text
    done = client.post(
        url,
        data={"other_code": "18781", "note": "Biên bản số 7", "csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_the_dashboard_shows_an_unread_message_until_it_is_marked_read(
    client: TestClient, db: Session, world: World
) -> None:
    from metrology_svc.auth.service import tell

    user_id = authenticate(db, world.tokens["inspector_a"]).user_id
    message = tell(
        db,
        user_id=user_id,
        text_vi="Địa bàn của bạn đã được chuyển sang Phường Sông Trí (18754).",
        text_en="Your scope has been moved to Phường Sông Trí (18754).",
    )
    db.commit()
    token = login(client, db, "inspector_a")
    home = client.get("/web/").text
    assert f'id="message-{message.id}"' in home
    assert "Địa bàn của bạn đã được chuyển" in home
    assert "Your scope has been moved" in client.get("/web/?lang=en").text
    read = client.post(
        f"/web/messages/{message.id}/read", data={"csrf": token}, follow_redirects=False
    )
    assert read.status_code == 303
    assert f'id="message-{message.id}"' not in client.get("/web/").text
