"""`metrology-svc serve` really starts: a subprocess on a free port answers /healthz and /readyz."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_brings_sqlite_up_to_date_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "METROLOGY_DATA_DIR": str(tmp_path),
        "METROLOGY_MQTT_URL": "mqtt://127.0.0.1:1",
    }
    env.pop("METROLOGY_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "metrology_svc", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
        assert ready.json() == {"status": "ok", "database": True}
        assert (tmp_path / "metrology.db").exists()
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
        assert "/api/v1/instruments" in spec["paths"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
