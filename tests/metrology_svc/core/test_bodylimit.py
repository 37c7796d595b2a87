"""Bodies over the limit get 413 in the common JSON shape, whether declared or streamed."""

from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from metrology_svc.core.bodylimit import MULTIPART_SLACK, BodyLimitMiddleware
from metrology_svc.core.error_handlers import install_error_handlers

LIMIT = 1000


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    app.add_middleware(BodyLimitMiddleware, max_body=LIMIT, max_upload=5000)
    return app


def _chunks(total: int, size: int = 100) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def _assert_413(response: object) -> None:
    assert getattr(response, "status_code", None) == 413
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"]["code"] == "payload_too_large"
    assert "byte" in body["error"]["message_vi"]


def test_a_body_within_the_limit_passes() -> None:
    with TestClient(_app()) as client:
        response = client.post("/echo", content=b"x" * LIMIT)
    assert response.status_code == 200
    assert response.json() == {"bytes": LIMIT}


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with TestClient(_app()) as client:
        _assert_413(client.post("/echo", content=b"x" * (LIMIT + 1)))


def test_a_streamed_body_without_length_is_refused_once_it_passes_the_limit() -> None:
    with TestClient(_app()) as client:
        response = client.post("/echo", content=_chunks(LIMIT * 5))
    assert "content-length" not in response.request.headers
    _assert_413(response)


def test_multipart_uploads_have_their_own_larger_limit() -> None:
    with TestClient(_app()) as client:
        small = client.post("/echo", files={"file": ("a.csv", b"y" * 3000)})
        large = client.post("/echo", files={"file": ("a.csv", b"y" * (5000 + MULTIPART_SLACK))})
    assert small.status_code == 200
    _assert_413(large)
