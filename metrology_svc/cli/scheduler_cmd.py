"""`metrology-svc scheduler`: the due scan, reminders, recalls and deliveries, on their own."""

import json
import signal
import threading
from types import FrameType

import typer

from metrology_svc.cli.common import (
    console,
    engine_from_settings,
    ensure_schema,
    restrict_new_files,
)
from metrology_svc.core.clock import utcnow
from metrology_svc.core.logging import configure_logging
from metrology_svc.core.observability import serve_metrics
from metrology_svc.db import new_session
from metrology_svc.settings import get_settings
from schedules.jobs import dispatch_job, due_scan_job, liveness_job
from schedules.scheduler import start_scheduler, stop_scheduler


def scheduler(
    once: bool = typer.Option(
        False,
        "--once",
        help=(
            "Run the due scan, one liveness pass and one dispatch now, print counts, and exit"
            " (deliveries are claimed as the running scheduler claims them: safe beside it)"
        ),
    ),
) -> None:
    """Run the scheduler until stopped (one leader: PostgreSQL lock, or SQLite lock file)."""
    restrict_new_files()
    settings = get_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    engine = engine_from_settings()
    ensure_schema(engine)
    if once:
        sessions = lambda: new_session(engine)  # noqa: E731
        scan = due_scan_job(sessions=sessions, settings=settings, clock=utcnow)
        alive = liveness_job(sessions=sessions, settings=settings, clock=utcnow)
        sent = dispatch_job(sessions=sessions, settings=settings, clock=utcnow)
        out = {"scan": scan.as_dict(), "liveness": alive.as_dict(), "deliveries": sent}
        typer.echo(json.dumps(out))
        return
    serve_metrics(port=settings.metrics_port, host=settings.metrics_host)
    service = start_scheduler(engine=engine, settings=settings)
    stopped = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    console.print("Scheduler running / Bộ lập lịch đang chạy (Ctrl+C to stop)")
    stopped.wait()
    stop_scheduler(service)
