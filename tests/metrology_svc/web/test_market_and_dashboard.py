"""Dashboard control scales and shortfalls; the market page (counts by unit: test_dashboard)."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.core.clock import utcnow
from metrology_svc.readings.models import Device
from tests.metrology_svc.readings.test_binding import arrange_before_and_after
from tests.metrology_svc.readings.test_router import _arrange
from tests.metrology_svc.web.conftest import login


def test_dashboard_shows_control_scales_and_latest_shortfalls(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    login(client, db, "admin")
    page = client.get("/web/").text
    scales = page.split('id="scales"')[1].split("</section>")[0]
    assert market.device_id in scales
    assert "Đang kết nối 1" in scales
    shortfalls = page.split('id="shortfalls"')[1].split("</section>")[0]
    assert shortfalls.count("A-12") == 3
    device = db.get(Device, market.device_id)
    assert device is not None
    device.last_received_at = utcnow() - timedelta(minutes=16)
    db.add(device)
    db.commit()
    assert "Mất kết nối 1" in client.get("/web/").text
    login(client, db, "inspector_b")
    other = client.get("/web/").text
    assert market.device_id not in other
    assert "A-12" not in other


def test_market_page_lists_flagged_sellers_and_streams_the_feed(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    site = market.world.market_a
    login(client, db, "viewer")
    page = client.get(f"/web/markets/{site}")
    assert page.status_code == 200
    sellers = page.text.split('id="sellers"')[1].split("</table>")[0]
    assert "A-12" in sellers
    assert "B-07" not in sellers
    assert f'data-src="/web/markets/{site}/feed"' in page.text
    with client.stream("GET", f"/web/markets/{site}/feed?max_seconds=0") as res:
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/event-stream")
        text = "".join(res.iter_text())
    assert text.count("event: check") == 5
    assert "event: inspection_request" in text
    assert "Chợ Kỳ Anh" in client.get("/web/markets").text


def test_market_page_and_feed_are_scoped(client: TestClient, db: Session) -> None:
    market = _arrange(db)
    site = market.world.market_a
    assert client.get(f"/web/markets/{site}/feed", follow_redirects=False).status_code == 303
    login(client, db, "inspector_b")
    assert client.get(f"/web/markets/{site}").status_code == 403
    assert client.get(f"/web/markets/{site}/feed?max_seconds=0").status_code == 403
    assert "Chợ Kỳ Anh" not in client.get("/web/markets").text


def _ids(client: TestClient, url: str, last_event_id: str | None = None) -> list[str]:
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    with client.stream("GET", url, headers=headers) as res:
        assert res.status_code == 200
        text = "".join(res.iter_text())
    events = [block for block in text.split("\n\n") if block.startswith("event:")]
    return [block.split("\n")[1].removeprefix("id: ") for block in events]


def test_market_feed_resumes_from_the_browsers_last_event_id(
    client: TestClient, db: Session
) -> None:
    market = _arrange(db)
    login(client, db, "viewer")
    url = f"/web/markets/{market.world.market_a}/feed?max_seconds=0"
    fresh = _ids(client, url)
    assert len(fresh) == 6  # five checks and the inspection request they raised
    assert _ids(client, url, fresh[2]) == fresh[3:]
    assert _ids(client, url, fresh[-1]) == []
    assert _ids(client, url, "check-3") == fresh  # not a position: a fresh start


def _card(html: str, card_id: str) -> str:
    return html.split(f'id="{card_id}"')[1].split("</section>")[0]


def test_market_page_names_the_rule_and_keeps_deviations_apart_from_shortfalls(
    client: TestClient, db: Session
) -> None:
    market = arrange_before_and_after(db, client)  # 4 checks under R 87, then 3 under a binding
    site = market.world.market_a
    login(client, db, "viewer")
    page = client.get(f"/web/markets/{site}").text
    rules = _card(page, "rules")
    r87, binding = rules.split("<tr><td>")[1:]
    assert "OIML R 87" in r87
    assert "Chỉ tham khảo" in r87
    assert 'class="n">4</td><td class="n">0</td><td class="n">4</td>' in r87
    assert "Lượng thiếu cho phép: Bảng kiểm thử" in binding
    assert "Bắt buộc" in binding
    assert "Bảng kiểm thử, không phải văn bản pháp luật / test table, not a legal text" in binding
    assert "Nguồn" not in binding  # the label holds the whole source already
    assert "Nguồn: OIML R 87 tolerable deficiency" in r87
    assert 'class="n">3</td><td class="n">3</td><td class="n">0</td>' in binding
    sellers = _card(page, "sellers")
    assert '<td>A-12</td><td class="n">7</td><td class="n">3</td>' in sellers
    assert "Chênh lệch (tham khảo)" in sellers
    checks = _card(page, "checks")
    assert checks.count('<tr class="short">') == 3
    assert checks.count("Thiếu 35 g") == 3
    assert checks.count('<tr class="deviation">') == 4
    assert checks.count("Chênh lệch (tham khảo) 50 g") == 4
    assert checks.count("(dung sai tham khảo 15 g)") == 4
    rows = checks.split("<tr class=")[1:]
    assert all("Thiếu" not in r and "OIML R 87" in r for r in rows if r.startswith('"deviation"'))
    english = client.get(f"/web/markets/{site}?lang=en").text
    assert "Deviation (reference only) 50 g" in _card(english, "checks")
    dashboard = client.get("/web/?lang=vi").text  # the cookie kept English
    shortfalls = _card(dashboard, "shortfalls")
    assert shortfalls.count("A-12") == 3
    # A cell names the table by its document; its title holds the whole label.
    assert shortfalls.count('title="Lượng thiếu cho phép: Bảng kiểm thử') == 3
    assert shortfalls.count(">Bảng kiểm thử</td>") == 3
    deviations = _card(dashboard, "deviations")
    assert deviations.count("A-12") == 4
    assert deviations.count(">OIML R 87 (lượng thiếu, tham khảo)</td>") == 4
    assert "không phải bằng chứng" in deviations
