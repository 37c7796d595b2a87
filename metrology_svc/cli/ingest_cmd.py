"""`metrology-svc ingest`: the MQTT ingest of control scales on its own."""

import signal
import threading
from types import FrameType

from metrology_svc.cli.common import (
    console,
    engine_from_settings,
    ensure_schema,
    restrict_new_files,
)
from metrology_svc.core.health import readiness_report
from metrology_svc.core.logging import configure_logging
from metrology_svc.core.observability import serve_metrics
from metrology_svc.settings import get_settings


def ingest() -> None:
    """Take control-scale messages from MQTT into the database (ack after commit)."""
    # Imported here so that only this command (and serve) loads paho.
    from devices.ingest import start_ingest

    restrict_new_files()
    settings = get_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    engine = engine_from_settings()
    ensure_schema(engine)
    done = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    running = start_ingest(settings=settings, engine=engine)
    # The metrics port also answers /readyz (database and writer), as /readyz does under serve.
    serve_metrics(
        port=settings.metrics_port,
        host=settings.metrics_host,
        readiness=lambda: readiness_report(engine, {"ingest": running.readiness}),
    )
    console.print(f"ingest: {settings.mqtt_url.rsplit('@', 1)[-1]} → database (Ctrl-C to stop)")
    done.wait()
    running.stop()
    engine.dispose()
