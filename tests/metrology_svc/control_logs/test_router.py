"""The log's HTTP routes: a board writes its own market only; readers are scoped; the board
account reaches no other route."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.readings.models import Reading
from tests.devices.ingest.support import T0
from tests.metrology_svc.control_logs.support import Boards

API = "/api/v1"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _body(boards: Boards, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "scale_id": boards.market.control_id,
        "measured_at": T0.isoformat(),
        "seller": "A-12",
        "goods": "thịt lợn",
        "declared_g": "1000",
        "measured_g": "900",
    }
    return body | extra


def test_a_board_records_a_line_once_and_its_readers_see_it(
    client: TestClient, boards: Boards, db: Session
) -> None:
    site = boards.market.world.market_a
    url = f"{API}/control-logs/sites/{site}/entries"
    first = client.post(url, json=_body(boards), headers=_bearer(boards.token_a))
    assert first.status_code == 201, first.text
    assert first.json()["stored"] is True
    assert first.json()["entry"]["source"] == "manual"
    again = client.post(url, json=_body(boards), headers=_bearer(boards.token_a))
    assert again.status_code == 201
    assert again.json()["stored"] is False
    w = boards.market.world
    for who, code in [
        (_bearer(boards.token_a), 200),
        (w.auth("admin"), 200),
        (w.auth("inspector_a"), 200),
        (w.auth("inspector_b"), 403),  # another commune
        (w.auth("viewer"), 200),  # reads everything, changes nothing
        (_bearer(boards.token_b), 403),  # another market's board
    ]:
        r = client.get(url, headers=who)
        assert r.status_code == code, (who, r.text)
    listed = client.get(url, headers=w.auth("admin")).json()
    assert len(listed) == 1
    assert listed[0]["seller"] == "A-12"
    assert len(list(db.exec(select(Reading)))) == 1


def test_only_the_markets_board_writes(client: TestClient, boards: Boards) -> None:
    w = boards.market.world
    url = f"{API}/control-logs/sites/{w.market_a}/entries"
    for who in (_bearer(boards.token_b), w.auth("admin"), w.auth("inspector_a"), w.auth("viewer")):
        r = client.post(url, json=_body(boards), headers=who)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["message_vi"]
    assert client.post(url, json=_body(boards)).status_code == 401


def test_bad_lines_are_refused_in_both_languages(client: TestClient, boards: Boards) -> None:
    url = f"{API}/control-logs/sites/{boards.market.world.market_a}/entries"
    cases: list[tuple[dict[str, object], str]] = [
        ({"declared_g": "NaN"}, "declared_g"),
        ({"measured_g": "-5"}, "measured_g"),
        ({"measured_g": "2000000"}, "measured_g"),
        ({"measured_g": "900.05"}, "measured_g"),
        ({"measured_at": "2099-01-01T00:00:00+07:00"}, "measured_at"),
        ({"measured_at": "2026-05-01T00:00:00+07:00"}, "measured_at"),
        ({"scale_id": boards.market.seller_scale_id}, "scale_id"),
    ]
    for extra, field in cases:
        r = client.post(url, json=_body(boards, **extra), headers=_bearer(boards.token_a))
        assert r.status_code == 422, (extra, r.text)
        error = r.json()["error"]
        assert error["details"][0]["loc"][-1] == field, (extra, error)
        assert error["message"] != error["message_vi"]


def test_the_board_account_reaches_no_other_route(client: TestClient, boards: Boards) -> None:
    board = _bearer(boards.token_a)
    site = boards.market.world.market_a
    for path in (
        "/instruments",
        f"/instruments/{boards.market.control_id}",
        f"/sites/{site}",
        f"/sites/{site}/sellers",
        "/users/me",
        "/rules",
    ):
        assert client.get(f"{API}{path}", headers=board).status_code == 403, path


def test_an_import_over_http_reports_rows(client: TestClient, boards: Boards) -> None:
    csv = (
        "Ngày;Giờ;Người bán;KL bán (g);KL cân lại (g)\n"
        "23/11/2026;07:30;A-12;1000;900\n"
        "23/11/2026;07:31;A-12;1000;-3\n"
    ).encode()
    url = f"{API}/control-logs/sites/{boards.market.world.market_a}/imports"
    files = {"file": ("so.csv", csv, "text/csv")}
    r = client.post(url, files=files, headers=_bearer(boards.token_a))
    assert r.status_code == 200, r.text
    assert (r.json()["stored"], r.json()["refused"]) == (1, 1)
    assert r.json()["errors"][0]["column"] == "KL cân lại (g)"
    again = client.post(url, files=files, headers=_bearer(boards.token_a)).json()
    assert (again["stored"], again["duplicates"]) == (0, 1)
    refused = client.post(url, files=files, headers=_bearer(boards.token_b))
    assert refused.status_code == 403


def test_an_admin_links_a_board_to_a_market(client: TestClient, boards: Boards) -> None:
    w = boards.market.world
    url = f"{API}/control-logs/boards/{boards.board_b.user_id}/sites/{w.market_a}"
    assert client.put(url, headers=w.auth("inspector_a")).status_code == 403
    assert client.put(url, headers=w.auth("admin")).status_code == 204
    write = f"{API}/control-logs/sites/{w.market_a}/entries"
    r = client.post(write, json=_body(boards), headers=_bearer(boards.token_b))
    assert r.status_code == 201, r.text
    assert client.delete(url, headers=w.auth("admin")).status_code == 204
    r = client.post(write, json=_body(boards, seller="B-07"), headers=_bearer(boards.token_b))
    assert r.status_code == 403
