"""Liveness, readiness and metrics endpoints."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from metrology_svc.db import database_ready

health_router = APIRouter(tags=["health"])


@health_router.get("/healthz")
def healthz() -> dict[str, str]:
    """Say the process is alive."""
    return {"status": "ok"}


@health_router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Say whether the database answers."""
    ok = database_ready(request.app.state.engine)
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503
    )


@health_router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics() -> Response:
    """Expose Prometheus metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
