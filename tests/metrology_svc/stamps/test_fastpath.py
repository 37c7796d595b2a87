"""The public check answered ahead of the router: same answers, same metrics, same errors."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from metrology_svc.core.errors import Invalid
from metrology_svc.stamps.runtime import StampRuntime
from tests.factories import World
from tests.metrology_svc.stamps.support import API, freeze, issued


def _count(route: str, status: str) -> float:
    labels = {"method": "GET", "route": route, "status": status}
    return REGISTRY.get_sample_value("metrology_http_requests_total", labels) or 0.0


def test_page_and_api_are_counted_under_their_route_templates(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    code = issued(client, world)["code"]
    page, api = _count("/v/{code}", "200"), _count(f"{API}/stamps/verify", "200")
    assert client.get(f"/v/{code}").status_code == 200
    answer = client.get(f"{API}/stamps/verify", params={"code": code})
    assert answer.json()["state"] == "valid"
    assert answer.headers["X-Request-ID"]  # the middleware around it still runs
    assert (_count("/v/{code}", "200"), _count(f"{API}/stamps/verify", "200")) == (
        page + 1,
        api + 1,
    )


def test_what_the_fast_path_does_not_take_reaches_the_router(client: TestClient) -> None:
    missing = client.get(f"{API}/stamps/verify", params={"xcode": "A"})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["loc"] == ["query", "code"]
    assert client.post("/v/AAAA").status_code == 405
    assert client.get("/v/AAAA/more").status_code == 404
    assert client.get(f"{API}/stamps/verify").status_code == 422


def test_an_error_inside_the_check_gets_the_apps_error_shape(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(self: StampRuntime, code: str, *, today: date) -> None:
        raise Invalid("No checks today.", message_vi="Hôm nay không tra cứu.")

    monkeypatch.setattr(StampRuntime, "check_async", refuse)
    for answer in (client.get("/v/AAAA"), client.get(f"{API}/stamps/verify?code=AAAA")):
        assert answer.status_code == 422
        assert answer.json()["error"]["message_vi"] == "Hôm nay không tra cứu."
