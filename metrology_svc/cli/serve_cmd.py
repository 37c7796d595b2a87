"""`metrology-svc serve`: the whole service in one process."""

import gc
from datetime import date
from typing import TYPE_CHECKING, Any

import typer
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from metrology_svc.app import create_app
from metrology_svc.cli.common import (
    console,
    engine_from_settings,
    ensure_schema,
    restrict_new_files,
)
from metrology_svc.cli.demo_cmd import load_demo_if_empty, print_logins
from metrology_svc.core.clock import today as clock_today
from metrology_svc.core.errors import DomainError
from metrology_svc.core.health import add_readiness_check
from metrology_svc.core.logging import configure_logging
from metrology_svc.core.observability import serve_metrics
from metrology_svc.settings import Settings, get_settings

if TYPE_CHECKING:
    from devices.ingest import Ingest
    from metrology_svc.demo.live import LiveFeed
    from schedules.scheduler import SchedulerService


def prepare_demo(
    engine: Engine, *, settings: Settings, today: date, base_url: str = ""
) -> str | None:
    """Load the demo into an empty registry and print its logins; None if it had data."""
    try:
        result = load_demo_if_empty(engine, settings=settings, today=today)
    except DomainError as exc:
        # The demo is a convenience: say why it was not loaded, and serve anyway.
        console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
        return None
    if result is None:
        console.print(
            "Sổ đăng ký đã có phương tiện đo: không nạp dữ liệu mẫu. / The registry is not "
            "empty: demo data not loaded."
        )
        return None
    console.print(
        f"Dữ liệu mẫu / Demo data: {result.instruments} instruments, {result.sites} sites, "
        f"{result.readings} control-scale readings."
    )
    print_logins(result, base_url=base_url or settings.public_base_url.rstrip("/"))
    return result.tokens["admin"]


HOST = typer.Option("127.0.0.1", help="Address to listen on")
PORT = typer.Option(8000, help="Port to listen on")


def serve(
    host: str = HOST,
    port: int = PORT,
    demo: bool = typer.Option(
        False, "--demo", help="Fill an empty database with the demo province first"
    ),
    demo_live: bool = typer.Option(
        False,
        "--demo-live",
        help="With --demo: the demo's control scales keep publishing to the broker (simulator)",
    ),
) -> None:
    """Run the API, web pages, MQTT ingest and scheduler in one process (SQLite migrated first)."""
    restrict_new_files()
    settings = get_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    engine = engine_from_settings()
    ensure_schema(engine)
    if demo or demo_live:
        prepare_demo(
            engine, settings=settings, today=clock_today(), base_url=f"http://{host}:{port}"
        )
    ingest, scheduler = start_background(engine, settings=settings)
    live = _start_live(engine, settings=settings) if demo_live else None
    try:
        _run_http(engine, settings=settings, host=host, port=port, ingest=ingest)
    finally:
        if live is not None:
            live.stop()
        stop_background(ingest, scheduler)


def _start_live(engine: Engine, *, settings: Settings) -> "LiveFeed":
    # Imported here: only --demo-live runs the simulator (and loads paho for it).
    from metrology_svc.demo.live import start_live_feed

    return start_live_feed(settings=settings, engine=engine)


def api(host: str = HOST, port: int = PORT) -> None:
    """Run only the API and web pages (production: `ingest` and `scheduler` run apart)."""
    restrict_new_files()
    settings = get_settings()
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    engine = engine_from_settings()
    ensure_schema(engine)
    _run_http(engine, settings=settings, host=host, port=port)


def app_for_serving(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Return the app as `serve` and `api` run it: built, then its start-up objects frozen.

    Modules, routes, models and metadata make a heap of a few hundred thousand objects that
    live as long as the process. Left to the garbage collector, each full collection walks
    them all: 130-160 ms on this 2-core machine, every few seconds under load, with every
    request waiting behind it (the p99 of the public check on PostgreSQL was 140 ms, its p50
    1 ms). gc.freeze() moves them out of the collector's reach; what is made later is still
    collected. (Also the factory bench/verify.py serves: `--factory ...:app_for_serving`.)
    """
    app = create_app(settings=settings, engine=engine)
    gc.collect()
    gc.freeze()
    return app


def _run_http(
    engine: Engine, *, settings: Settings, host: str, port: int, ingest: "Ingest | None" = None
) -> None:
    console.print(f"metrology_svc on http://{host}:{port}  (docs: /docs)")
    try:
        app = app_for_serving(settings=settings, engine=engine)
        if ingest is not None:  # /readyz answers 503 while the ingest's writer is down or stuck
            add_readiness_check(app, "ingest", ingest.readiness)
        metrics = serve_metrics(port=settings.metrics_port, host=settings.metrics_host)
        try:
            uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))
        finally:
            if metrics is not None:
                metrics.shutdown()
    finally:
        engine.dispose()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Return the options `serve` and `api` give uvicorn besides the app, host and port.

    X-Forwarded-For and X-Forwarded-Proto count only from the addresses in
    METROLOGY_FORWARDED_ALLOW_IPS; with none (the default) uvicorn's proxy-headers middleware
    is not installed at all, so even a request from 127.0.0.1 is the address it came from.
    (Left to itself, uvicorn trusts 127.0.0.1 and its FORWARDED_ALLOW_IPS variable.) The rate
    limits key on the address uvicorn settles on (request.client.host).
    """
    trusted = settings.forwarded_allow_ips.strip()
    return {
        # Logging is ours (core/logging.py): uvicorn keeps its hands off, and the access line
        # comes from the app's middleware with the request id and without query strings.
        "log_config": None,
        "access_log": False,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted,
    }


def start_background(
    engine: Engine, *, settings: Settings
) -> tuple["Ingest | None", "SchedulerService | None"]:
    """Start the MQTT ingest and the scheduler beside the API, as the settings ask."""
    # Imported here so that a process that does not ingest never loads paho.
    from devices.ingest import start_ingest
    from schedules.scheduler import start_scheduler

    ingest = None
    if settings.serve_ingest:
        # Connects in the background and retries with backoff: no broker yet is not an error.
        ingest = start_ingest(settings=settings, engine=engine)
        console.print(f"ingest: {settings.mqtt_url.rsplit('@', 1)[-1]} (MQTT, background)")
    scheduler = (
        start_scheduler(engine=engine, settings=settings) if settings.serve_scheduler else None
    )
    return ingest, scheduler


def stop_background(ingest: "Ingest | None", scheduler: "SchedulerService | None") -> None:
    """Stop what start_background started: the ingest commits what it holds first."""
    if ingest is not None:
        ingest.stop()
    if scheduler is not None:
        scheduler.stop()
