"""The dashboard by commune with province totals, and the view by former districts on a day."""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.instruments.models import Instrument, InstrumentStatus
from tests.factories import World
from tests.metrology_svc.reports.history import make_old, move, old_site
from tests.metrology_svc.web.conftest import login
from tests.schedules.support import add_instrument


def _row(html: str, name: str, table: str = "by-unit") -> list[str]:
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    row = body.split(f">{name}</")[1].split("</tr>")[0]
    return [cell.split(">")[1].split("<")[0] for cell in row.split("<td")[1:]]


def _scale(
    db: Session,
    world: World,
    serial: str,
    site: int,
    status: str = "in_service",
    *,
    due_date: date | None,
) -> Instrument:
    """Store a scale registered in January 2024 (before the change)."""
    scale = add_instrument(
        db, world, serial=serial, site_id=site, status=InstrumentStatus(status), due_date=due_date
    )
    scale.created_at = datetime(2024, 1, 2, tzinfo=UTC)
    db.add(scale)
    return scale


def test_dashboard_counts_by_commune_with_province_totals_within_scope(
    client: TestClient, db: Session, world: World
) -> None:
    for n, status in enumerate(["due", "overdue", "overdue", "failed", "in_service"]):
        _scale(db, world, f"A-{n}", world.market_a, status, due_date=date(2027, 1, 1))
    _scale(db, world, "B-0", world.market_b, "suspended", due_date=None)
    old = make_old(db)
    not_yet_moved = old_site(db, "Chợ Kỳ Trinh", old.id("18820"))
    _scale(db, world, "K-0", not_yet_moved, "overdue", due_date=date(2025, 1, 1))
    db.commit()
    login(client, db, "admin")
    page = client.get("/web/").text
    # columns: due, overdue, failed, suspended, total
    assert _row(page, "<b>Tỉnh Hà Tĩnh</b>") == ["1", "3", "1", "1", "7"]
    assert _row(page, "Phường Sông Trí") == ["1", "2", "1", "0", "5"]
    assert _row(page, "Phường Hải Ninh") == ["0", "0", "0", "1", "1"]
    # A market not yet moved to its 2025 commune shows under its old one, marked as such.
    assert _row(page, 'Phường Kỳ Trinh <span class="muted">(đơn vị cũ)</span>') == [
        "0",
        "1",
        "0",
        "0",
        "1",
    ]
    assert 'data-series="overdue" data-value="2"' in page  # the chart: a bar per commune
    assert _row(page, "Cân đồng hồ lò xo", "by-type") == ["1", "3", "1", "1", "7"]
    login(client, db, "inspector_b")
    mine = client.get("/web/").text
    table = mine.split('id="by-unit"')[1]
    assert "Phường Sông Trí" not in table
    assert _row(mine, "<b>Tỉnh Hà Tĩnh</b>") == ["0", "0", "0", "1", "1"]  # their part of it
    english = client.get("/web/?lang=en").text
    assert "By commune (province totals)" in english


def test_the_former_districts_view_groups_by_where_sites_lay_that_day(
    client: TestClient, db: Session, world: World
) -> None:
    old = make_old(db)
    hung_tri = old_site(db, "Chợ Hưng Trí", old.id("18754"))
    ky_ninh = old_site(db, "Chợ Kỳ Ninh", old.id("18781"))
    _scale(db, world, "D-A", hung_tri, due_date=date(2025, 6, 1))  # overdue on 30/06/2025
    _scale(db, world, "D-B", ky_ninh, due_date=date(2025, 7, 15))  # due soon then
    _scale(db, world, "D-C", world.market_a, due_date=None)  # never verified
    move(db, hung_tri, old.id("18754", scheme="2025"))
    move(db, ky_ninh, old.id("18781", scheme="2025"))
    db.commit()
    login(client, db, "admin")
    page = client.get("/web/", params={"view": "districts", "as_of": "2025-06-30"})
    assert page.status_code == 200
    html = page.text
    assert 'data-view="districts"' in html
    # columns: overdue, due soon, never verified, in use
    assert _row(html, "<b>Tỉnh Hà Tĩnh</b>") == ["1", "1", "1", "3"]
    assert _row(html, 'Thị xã Kỳ Anh <span class="muted">(đơn vị cũ)</span>') == [
        "1",
        "1",
        "0",
        "2",
    ]
    # Market A was registered straight into a commune of 2025: in no district that day.
    assert _row(html, "Không thuộc huyện nào vào ngày này") == ["0", "0", "1", "1"]
    # After the change every market lies in a commune of 2025.
    later = client.get("/web/", params={"view": "districts", "as_of": "2025-08-01"}).text
    assert "Thị xã Kỳ Anh" not in later.split('id="by-unit"')[1]
    assert _row(later, "Không thuộc huyện nào vào ngày này")[3] == "3"
    # Scope follows the sites' units now: Sông Trí's inspector sees D-A and D-C, not D-B.
    login(client, db, "inspector_a")
    mine = client.get("/web/", params={"view": "districts", "as_of": "2025-06-30"}).text
    assert _row(mine, 'Thị xã Kỳ Anh <span class="muted">(đơn vị cũ)</span>')[3] == "1"
    assert _row(mine, "<b>Tỉnh Hà Tĩnh</b>")[3] == "2"
    english = client.get("/web/", params={"view": "districts", "lang": "en"}).text
    assert "By former district (before 01/07/2025) · 30/06/2025" in english
