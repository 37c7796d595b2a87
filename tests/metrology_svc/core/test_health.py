"""/readyz: the database and the parts running beside the API (the ingest under `serve`)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from metrology_svc.core.health import Readiness, add_readiness_check, readiness_report
from metrology_svc.db import build_engine


def _app(client: TestClient) -> FastAPI:
    app = client.app
    assert isinstance(app, FastAPI)
    return app


def test_readyz_reports_each_part_and_answers_503_when_one_is_not_ready(
    client: TestClient,
) -> None:
    assert client.get("/readyz").json() == {"status": "ok", "database": True}
    state = {"writer_up": True}
    add_readiness_check(_app(client), "ingest", lambda: Readiness(state["writer_up"], dict(state)))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "database": True,
        "ingest": {"ready": True, "writer_up": True},
    }
    state["writer_up"] = False
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json() == {
        "status": "unavailable",
        "database": True,
        "ingest": {"ready": False, "writer_up": False},
    }


def test_a_check_that_fails_means_not_ready_and_never_a_500(client: TestClient) -> None:
    def broken() -> Readiness:
        raise RuntimeError("a bug in the check")

    add_readiness_check(_app(client), "ingest", broken)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["ingest"] == {"ready": False, "error": "check failed"}


def test_a_database_that_does_not_answer_is_not_ready_whatever_the_parts_say(
    engine: Engine,
) -> None:
    assert readiness_report(engine, {})[0] == 200
    gone = build_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        status, body = readiness_report(gone, {"ingest": lambda: Readiness(True)})
    finally:
        gone.dispose()
    assert status == 503
    assert body == {"status": "unavailable", "database": False, "ingest": {"ready": True}}
