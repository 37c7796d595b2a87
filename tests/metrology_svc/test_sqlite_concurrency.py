"""SQLite under concurrent writes: an HTTP import, 200 API writes and a CLI command at once.

`metrology-svc serve` runs as a subprocess on a SQLite file. While it imports 20,000 rows
posted to the imports API, 200 owners are created through the API from as many threads, and
`metrology-svc users set-password` runs as another process on the same file. Every answer is
a success or a clear 503 with Retry-After (never a 500, never a crash), and every write that
was reported done is in the database.
"""

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

from metrology_svc.auth.credentials import check_login
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner
from tests.factories import World, make_world
from tests.metrology_svc.imports.support import scale_row, write_csv
from tests.mqtt_broker import free_port

ROWS, WRITES = 20_000, 200
ADMIN_EMAIL, NEW_PASSWORD = "admin@tdc.example.vn", "mat-khau-moi-2026"


@dataclass
class Answer:
    """What one HTTP call got back (status 0: no answer at all)."""

    name: str
    status: int
    retry_after: str | None = None
    body: dict[str, object] | None = None
    seconds: float = 0.0


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """Run `metrology-svc serve` on a free port until /readyz answers; yield its base URL."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "metrology_svc", "serve", "--port", str(port)],
            env=os.environ | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/readyz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answer(name: str, started: float, response: httpx.Response) -> Answer:
    body = response.json() if response.headers.get("content-type") == "application/json" else {}
    return Answer(
        name,
        response.status_code,
        response.headers.get("retry-after"),
        body,
        time.monotonic() - started,
    )


def _import(base: str, world: World, csv_path: Path, out: list[Answer]) -> None:
    started = time.monotonic()
    with csv_path.open("rb") as handle:
        response = httpx.post(
            f"{base}/api/v1/imports/instruments",
            files={"file": (csv_path.name, handle, "text/csv")},
            headers=world.auth("admin"),
            timeout=300,
        )
    out.append(_answer("import", started, response))


def _write(
    client: httpx.Client, world: World, n: int, go: threading.Event, out: list[Answer]
) -> None:
    name = f"Hộ kinh doanh đồng thời {n:03d}"
    go.wait()
    started = time.monotonic()
    try:
        response = client.post(
            "/api/v1/owners",
            json={"name": name, "phone": f"0977{n:06d}", "address": "Chợ Kỳ Anh"},
            headers=world.auth("admin"),
        )
    except httpx.HTTPError as exc:
        out.append(Answer(name, 0, body={"error": repr(exc)}))
        return
    out.append(_answer(name, started, response))


def _set_password(
    env: dict[str, str], out: list[tuple[subprocess.CompletedProcess[str], float]]
) -> None:
    command = [sys.executable, "-m", "metrology_svc", "users", "set-password"]
    command += ["--email", ADMIN_EMAIL, "--password-stdin"]
    started = time.monotonic()
    done = subprocess.run(
        command,
        env=os.environ | env,
        input=NEW_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out.append((done, time.monotonic() - started))


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[tuple[Engine, World, dict[str, str]]]:
    """A migrated SQLite file with the test world, and the environment that points at it."""
    path = tmp_path / "metrology.db"
    engine = build_engine(f"sqlite:///{path}")
    prepare_database(engine)
    with new_session(engine) as session:
        world = make_world(session)
        session.commit()
    env = {
        "METROLOGY_DATA_DIR": str(tmp_path),
        "METROLOGY_DATABASE_URL": f"sqlite:///{path}",
        "METROLOGY_STAMP_KEY_DIR": str(tmp_path / "keys"),
        "METROLOGY_MQTT_URL": "mqtt://127.0.0.1:1",  # no broker: the ingest keeps retrying
        "METROLOGY_LOG_JSON": "false",
    }
    yield engine, world, env
    engine.dispose()


def _check_writes(engine: Engine, writes: list[Answer]) -> tuple[int, int]:
    assert len(writes) == WRITES
    for a in writes:
        assert a.status in (201, 503), (a.status, a.body)
        if a.status == 503:
            assert a.retry_after is not None
            assert int(a.retry_after) > 0
            assert a.body is not None
            error = a.body["error"]
            assert isinstance(error, dict)
            assert (error["code"], bool(error["message_vi"])) == ("database_busy", True)
    done = {a.name for a in writes if a.status == 201}
    refused = {a.name for a in writes if a.status == 503}
    with new_session(engine) as session:
        stored = set(session.exec(select(Owner.name).where(col(Owner.name).contains("đồng thời"))))
    assert stored == done  # every reported write is there, and no refused one is
    assert not stored & refused
    return len(done), len(refused)


@dataclass
class Run:
    """Everything the three kinds of caller got back, and the server's log."""

    imports: list[Answer] = field(default_factory=list)
    writes: list[Answer] = field(default_factory=list)
    clis: list[tuple[subprocess.CompletedProcess[str], float]] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""


def _run_at_once(env: dict[str, str], world: World, csv_path: Path, log: Path) -> Run:
    run, go = Run(), threading.Event()
    with serving(env, log) as base:
        limits = httpx.Limits(max_connections=WRITES, max_keepalive_connections=WRITES)
        with httpx.Client(base_url=base, limits=limits, timeout=120) as client:
            threads = [
                threading.Thread(target=_write, args=(client, world, n, go, run.writes))
                for n in range(WRITES)
            ]
            threads += [
                threading.Thread(target=_import, args=(base, world, csv_path, run.imports)),
                # Python starts in under a second: its write lands while the import writes.
                threading.Thread(target=_set_password, args=(env, run.clis)),
            ]
            started = time.monotonic()
            for t in threads:
                t.start()
            time.sleep(0.3)  # the upload is in: the import is checking and writing rows
            go.set()
            for t in threads:
                t.join(timeout=240)
            run.seconds = time.monotonic() - started
    run.log = log.read_text(errors="replace")
    return run


def _check_import(engine: Engine, imports: list[Answer]) -> Answer:
    (imported,) = imports
    assert imported.status == 200, imported.body
    assert imported.body is not None
    assert imported.body["created"] == ROWS
    with new_session(engine) as session:
        serials = select(func.count()).where(col(Instrument.serial).startswith("CC-"))
        assert session.exec(serials).one() == ROWS
    return imported


def _check_cli(engine: Engine, clis: list[tuple[subprocess.CompletedProcess[str], float]]) -> float:
    ((done, seconds),) = clis
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "locked" not in done.stderr
    with new_session(engine) as session:
        assert check_login(session, email=ADMIN_EMAIL, password=NEW_PASSWORD) is not None
    return seconds


def test_an_import_api_writes_and_a_cli_command_at_once(
    file_db: tuple[Engine, World, dict[str, str]], tmp_path: Path
) -> None:
    engine, world, env = file_db
    rows = [
        scale_row(f"CC-{i:05d}", owner_name=f"Chủ sạp {i % 300}", owner_phone=f"09{i:08d}")
        for i in range(ROWS)
    ]
    csv_path = write_csv(tmp_path / "danh-sach.csv", rows)
    run = _run_at_once(env, world, csv_path, tmp_path / "serve.log")

    assert "Traceback" not in run.log, run.log[-3000:]
    answered = {int(c) for c in re.findall(r"metrology_svc\.access: \S+ \S+ (\d{3}) ", run.log)}
    assert {c for c in answered if c >= 500} <= {503}, sorted(answered)
    imported = _check_import(engine, run.imports)
    done, refused = _check_writes(engine, run.writes)
    cli_seconds = _check_cli(engine, run.clis)
    slowest = max(a.seconds for a in run.writes)
    print(
        f"\nimport of {ROWS} rows under load: {imported.seconds:.2f} s; {WRITES} writes: "
        f"{done} done, {refused} answered 503, slowest {slowest:.2f} s; set-password (a process) "
        f"{cli_seconds:.2f} s; all in {run.seconds:.2f} s"
    )
