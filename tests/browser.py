"""Real-browser tests: the app served by uvicorn on a free port, and Debian's headless Chromium.

`serve_app(...)` runs the app over a file database for a module's `served` fixture; the
`browser` fixture is a headless Chromium, and `launch_chromium(...)` one with extra switches
(a fake camera, say). Without Chromium a test skips, or fails under METROLOGY_REQUIRE_SERVICES=1.
tests/conftest.py registers this module as a plugin for every test.
"""

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from metrology_svc.app import create_app
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine
from metrology_svc.settings import Settings
from tests.mqtt_broker import free_port
from tests.services import missing

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def file_database(root: Path) -> Engine:
    """Return an engine over a fresh, migrated SQLite file in this directory."""
    engine = build_engine(f"sqlite:///{root / 'db.sqlite'}")
    prepare_database(engine)
    return engine


@contextmanager
def serve_app(root: Path, engine: Engine, **settings: Any) -> Iterator[str]:
    """Run the app over the engine in uvicorn on a free port; yield its base URL.

    Data and stamp keys go under root. On the way out the server stops and the engine is
    disposed of.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = Settings(data_dir=root, stamp_key_dir=root / "keys", public_base_url=base, **settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings=config, engine=engine), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()


@contextmanager
def launch_chromium(*extra_args: str) -> Iterator[Any]:
    """Launch a headless Chromium with these switches besides ARGS; close it afterwards."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        missing("Chromium (Debian package chromium) is not installed")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=[*ARGS, *extra_args], headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium, or a skip (a failure in CI) without it."""
    with launch_chromium() as chromium:
        yield chromium
