"""The FastAPI application factory: nothing is created at import time."""

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from metrology_svc import __version__
from metrology_svc.api import api_router
from metrology_svc.core.bodylimit import BodyLimitMiddleware
from metrology_svc.core.error_handlers import install_error_handlers
from metrology_svc.core.finite_json import FiniteJsonMiddleware
from metrology_svc.core.headers import SecurityHeadersMiddleware
from metrology_svc.core.health import health_router
from metrology_svc.core.observability import ObservabilityMiddleware
from metrology_svc.core.ratelimit import RateLimitMiddleware, TokenBuckets
from metrology_svc.db import build_engine, new_session
from metrology_svc.settings import Settings, get_settings
from metrology_svc.stamps.fastpath import PublicCheckFastPath
from metrology_svc.stamps.pages import install_stamps
from metrology_svc.web import ack_pages, install_web


def create_app(
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    session_factory: Callable[[], Session] | None = None,
) -> FastAPI:
    """Build the application on the given settings and engine (or those from the environment)."""
    settings = settings or get_settings()
    engine = engine or build_engine(
        settings.resolved_database_url(), busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    app = FastAPI(
        title="metrology_svc",
        version=__version__,
        description=(
            "Quản lý phương tiện đo nhóm 2: đăng ký, kiểm định, tem, cân đối chứng, thông báo.\n\n"
            "Legal metrology registry: instruments, verifications, stamps, control scales, notices."
        ),
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory or (lambda: new_session(engine))
    install_error_handlers(app)
    install_stamps(app)  # first: routes match in order and /v/{code} is the busiest
    app.include_router(health_router)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(ack_pages.router)  # /xn/{token}: a notice's acknowledgement page
    install_web(app)
    install_middleware(app, settings=settings)
    return app


def install_middleware(app: FastAPI, *, settings: Settings) -> None:
    """Add the pure ASGI guards: body limit, rate limits, then ids, metrics and access log."""
    # Added last runs first: the request id and metrics see every answer, even a 413 or 429.
    # Innermost: a JSON body holding NaN or ±Infinity is refused before any route reads it.
    app.add_middleware(FiniteJsonMiddleware)
    # Next, just before the router: the public stamp check, served without routing.
    app.add_middleware(PublicCheckFastPath)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
    )
    app.add_middleware(
        RateLimitMiddleware,
        ack=TokenBuckets(rate=settings.notice_ack_rate_per_s, burst=settings.notice_ack_burst),
        auth_failures=TokenBuckets(
            rate=settings.auth_failure_rate_per_s, burst=settings.auth_failure_burst
        ),
    )
    app.add_middleware(ObservabilityMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every answer, 413 and 429 too
