"""Security headers on every kind of answer: pages, the API, the public check, errors."""

from fastapi.testclient import TestClient
from httpx import Headers

from metrology_svc.core.headers import POLICY
from tests.factories import World


def _secured(headers: Headers, *, policy: bool = True) -> None:
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("referrer-policy") in (
        "same-origin",
        "no-referrer",
    )  # a page may be stricter
    assert headers.get("content-security-policy") == (POLICY if policy else None)


def test_every_kind_of_answer_carries_the_headers(client: TestClient, world: World) -> None:
    for path in ("/web/login", "/api/v1/instruments", "/v/AAAA", "/healthz", "/web/nothing"):
        _secured(client.get(path, headers=world.auth("admin")).headers)
    _secured(client.get("/api/v1/stamps/verify", params={"code": "x"}).headers)  # fast path
    _secured(client.post("/api/v1/instruments", content=b"{", headers=world.auth("admin")).headers)
    too_big = client.post(
        "/api/v1/instruments", content=b"x" * (2 << 20), headers=world.auth("admin")
    )
    assert too_big.status_code == 413
    _secured(too_big.headers)


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"]


def test_the_api_docs_keep_their_inline_script_without_the_policy(client: TestClient) -> None:
    _secured(client.get("/docs").headers, policy=False)
