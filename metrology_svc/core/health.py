"""Liveness, readiness and metrics endpoints.

/readyz asks the database, and every background part the process runs beside the API (the MQTT
ingest under `serve`): each registers a check with `add_readiness_check`. The same report serves
the metrics port of a process without an API (`metrology-svc ingest`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine

from metrology_svc.db import database_ready

health_router = APIRouter(tags=["health"])


@dataclass(frozen=True)
class Readiness:
    """A part's answer to "can you do your work now?", with what an operator needs to see."""

    ready: bool
    detail: dict[str, Any] = field(default_factory=dict)


ReadinessCheck = Callable[[], Readiness]


def add_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    """Make /readyz of this app report (and depend on) a part running beside it."""
    checks: dict[str, ReadinessCheck] = dict(getattr(app.state, "readiness_checks", {}))
    checks[name] = check
    app.state.readiness_checks = checks


def readiness_report(
    engine: Engine | None, checks: Mapping[str, ReadinessCheck]
) -> tuple[int, dict[str, Any]]:
    """Return the status code and body of /readyz: 200 when everything is ready, else 503."""
    body: dict[str, Any] = {"status": "ok"}
    ready = True
    if engine is not None:
        body["database"] = database_ready(engine)
        ready = body["database"]
    for name, check in checks.items():
        try:
            answer = check()
        except Exception:  # a check that fails says "not ready"; it never makes a 500
            answer = Readiness(False, {"error": "check failed"})
        body[name] = {"ready": answer.ready, **answer.detail}
        ready = ready and answer.ready
    if not ready:
        body["status"] = "unavailable"
    return (200 if ready else 503), body


@health_router.get("/healthz")
def healthz() -> dict[str, str]:
    """Say the process is alive."""
    return {"status": "ok"}


@health_router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Say whether the database answers and the parts running beside the API work."""
    checks = getattr(request.app.state, "readiness_checks", {})
    status, body = readiness_report(request.app.state.engine, checks)
    return JSONResponse(body, status_code=status)


@health_router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics() -> Response:
    """Expose Prometheus metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
