"""Token buckets, the acknowledgement-link limit, and 429 for clients that keep failing auth."""

from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from metrology_svc.app import create_app
from metrology_svc.core.ratelimit import (
    ACK_PAGE_PREFIX,
    ACK_PATH,
    RateLimitMiddleware,
    TokenBuckets,
)
from metrology_svc.settings import Settings
from tests.factories import World


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_available_looks_without_taking() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=2, clock=clock)
    assert buckets.available("a")
    assert buckets.allow("a")
    assert buckets.allow("a")
    assert not buckets.available("a")
    assert not buckets.allow("a")
    assert buckets.retry_after("a") == 1
    clock.now = 1.0
    assert buckets.available("a")
    assert buckets.available("a")  # looking twice takes nothing
    assert buckets.allow("a")
    assert buckets.available("b")


def _client(
    engine: Engine, connection: Connection, settings: Settings, **limits: float
) -> TestClient:
    app = create_app(
        settings=settings.model_copy(update=limits),
        engine=engine,
        session_factory=lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
    )
    return TestClient(app, raise_server_exceptions=False)


def test_repeated_bad_tokens_get_429_but_a_valid_token_from_that_address_still_works(
    engine: Engine, connection: Connection, settings: Settings, world: World
) -> None:
    with _client(
        engine, connection, settings, auth_failure_burst=3, auth_failure_rate_per_s=0.01
    ) as client:
        bad = {"Authorization": "Bearer mtk_guess"}
        codes = [client.get("/api/v1/sites", headers=bad).status_code for _ in range(5)]
        # A colleague behind the same address (an office's NAT) is not locked out of the API.
        valid = client.get("/api/v1/sites", headers=world.auth("admin"))
        still = client.get("/api/v1/sites", headers=bad)
        other_bad = client.get("/api/v1/users/me", headers={"Authorization": "Bearer nope"})
    assert codes == [401, 401, 401, 429, 429]
    assert valid.status_code == 200
    assert still.status_code == 429
    assert still.json()["error"]["code"] == "rate_limited"
    assert still.json()["error"]["message_vi"]
    assert int(still.headers["Retry-After"]) >= 1
    assert other_bad.status_code == 429


def test_a_throttled_address_cannot_try_passwords_but_its_tokens_work(
    engine: Engine, connection: Connection, settings: Settings, world: World
) -> None:
    with _client(
        engine, connection, settings, auth_failure_burst=2, auth_failure_rate_per_s=0.01
    ) as client:
        for _ in range(2):
            client.get("/api/v1/sites", headers={"Authorization": "Bearer mtk_guess"})
        login = client.post("/web/login", data={"email": "a@b.vn", "password": "x"})
        valid = client.get("/api/v1/sites", headers=world.auth("viewer"))
    assert login.status_code == 429  # answered before any password is checked
    assert valid.status_code == 200


def test_requests_without_credentials_do_not_count_as_guesses(
    engine: Engine, connection: Connection, settings: Settings, world: World
) -> None:
    with _client(engine, connection, settings, auth_failure_burst=2) as client:
        codes = [client.get("/api/v1/sites").status_code for _ in range(6)]
        ok = client.get("/api/v1/sites", headers=world.auth("admin"))
    assert codes == [401] * 6
    assert ok.status_code == 200


def test_the_acknowledgement_link_is_rate_limited_per_client(
    engine: Engine, connection: Connection, settings: Settings
) -> None:
    with _client(
        engine, connection, settings, notice_ack_burst=4, notice_ack_rate_per_s=0.01
    ) as client:
        codes = [client.post(ACK_PATH, params={"token": "x"}).status_code for _ in range(3)]
        codes += [client.get(f"{ACK_PAGE_PREFIX}x").status_code]  # the page shares the bucket
        codes += [client.post(f"{ACK_PAGE_PREFIX}x").status_code for _ in range(2)]
    assert codes[:3] == [422] * 3  # an invalid link, answered
    assert codes[3] == 400  # the page: an invalid link
    assert codes[4:] == [429, 429]


def test_failed_form_logins_count_and_then_get_429() -> None:
    app = FastAPI()

    @app.post("/web/login")
    def login() -> Response:
        return Response("wrong password", status_code=401)

    @app.get("/web/login")
    def form() -> Response:
        return Response("the form")

    app.add_middleware(
        RateLimitMiddleware,
        ack=TokenBuckets(rate=1.0, burst=5),
        auth_failures=TokenBuckets(rate=0.01, burst=2),
    )
    with TestClient(app) as client:
        codes = [client.post("/web/login", data={"password": "x"}).status_code for _ in range(4)]
        page = client.get("/web/login")
    assert codes == [401, 401, 429, 429]
    assert page.status_code == 200  # the form itself stays reachable
