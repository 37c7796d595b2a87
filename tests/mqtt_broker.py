"""A private Mosquitto per test: its own config, a free port, and stop/restart on that port.

Use the `mosquitto` fixture for a default broker, or `mosquitto_factory(...)` for one with
persistence, without anonymous access, or with extra config lines (`password_file ...`,
`acl_file ...`). tests/conftest.py registers this module as a plugin for every test.
"""

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.services import missing


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MosquittoBroker:
    """One mosquitto process that a test may stop and start again on the same port."""

    def __init__(
        self,
        workdir: Path,
        *,
        persistence: bool = False,
        anonymous: bool = True,
        extra_config: str = "",
    ) -> None:
        self.workdir, self.port = workdir, free_port()
        self.persistence, self.anonymous, self.extra_config = persistence, anonymous, extra_config
        self.config_path = workdir / "mosquitto.conf"
        self.log_path = workdir / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return mqtt://127.0.0.1:PORT."""
        return f"mqtt://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        lines = [
            f"listener {self.port} 127.0.0.1",
            f"allow_anonymous {'true' if self.anonymous else 'false'}",
            # Mosquitto's default (1000) silently drops QoS 1 messages for a slow subscriber.
            "max_queued_messages 0",
            f"persistence {'true' if self.persistence else 'false'}",
            f"persistence_location {self.workdir}/",
            "autosave_interval 1",
            "user root",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            self.extra_config,
        ]
        self.config_path.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        """Start the broker and wait until its port accepts connections."""
        self._write_config()
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config_path)], stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log_path.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def stop(self) -> None:
        """Stop the broker (SIGTERM, so a persistent broker saves its state)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def restart(self) -> None:
        """Stop then start on the same port."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """Kill the broker with SIGKILL: it saves nothing, as in a crash or a power cut."""
        if self._process is None:
            return
        self._process.kill()
        self._process.wait()
        self._process = None


BrokerFactory = Callable[..., MosquittoBroker]


@pytest.fixture
def mosquitto_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerFactory]:
    """Start private brokers on demand (keyword arguments of MosquittoBroker); stop them after."""
    if shutil.which("mosquitto") is None:
        missing("the mosquitto binary is not installed (Debian package mosquitto)")
    started: list[MosquittoBroker] = []

    def make(**options: object) -> MosquittoBroker:
        broker = MosquittoBroker(tmp_path_factory.mktemp("mosquitto"), **options)  # type: ignore[arg-type]
        started.append(broker)
        broker.start()
        return broker

    yield make
    for broker in started:
        broker.stop()


@pytest.fixture
def mosquitto(mosquitto_factory: BrokerFactory) -> MosquittoBroker:
    """A running private broker with the default config."""
    return mosquitto_factory()
