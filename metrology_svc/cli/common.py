"""Helpers shared by CLI commands: the engine from settings, and a console."""

from rich.console import Console
from sqlalchemy import Engine

from metrology_svc.db import build_engine
from metrology_svc.settings import get_settings

console = Console(stderr=True)


def engine_from_settings() -> Engine:
    """Build the engine the settings point at."""
    settings = get_settings()
    return build_engine(
        settings.resolved_database_url(), busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
