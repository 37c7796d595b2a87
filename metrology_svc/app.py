"""The FastAPI application factory: nothing is created at import time."""

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from metrology_svc import __version__
from metrology_svc.api import api_router
from metrology_svc.core.errors import install_error_handlers
from metrology_svc.core.health import health_router
from metrology_svc.db import build_engine, new_session
from metrology_svc.settings import Settings, get_settings


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
    app.include_router(health_router)
    app.include_router(api_router, prefix="/api/v1")
    return app
