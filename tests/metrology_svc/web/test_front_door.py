"""The site root: a browser that opens http://host:port/ lands on the pages, or on login."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.web.conftest import login


def test_the_root_sends_a_stranger_to_the_login_page(client: TestClient, world: World) -> None:
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/web/"
    landed = client.get("/")
    assert landed.url.path == "/web/login"
    assert 'name="password"' in landed.text


def test_the_root_and_bare_web_open_the_dashboard_when_logged_in(
    client: TestClient, db: Session, world: World
) -> None:
    login(client, db, "viewer")
    for path in ("/", "/web"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.url.path == "/web/"
        assert "Test viewer" in page.text


def test_the_root_stays_out_of_the_api_schema(client: TestClient, world: World) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert "/web" not in paths
