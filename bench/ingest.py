"""Benchmark the MQTT ingest end to end: received, validated, committed, acked (QoS 1).

python -m bench.ingest [--quick] [--n N] [--publishers P] [--processes K] [--phases a,b]

Each phase gets a fresh private Mosquitto (max_queued_messages 0) and several `mosquitto_pub -l`
processes (one per device, QoS 1, 1000 in flight) so the publisher is not the bottleneck.
Phases: a bare paho subscriber (the baseline), then the ingest on SQLite, then on PostgreSQL
(a private schema on METROLOGY_BENCH_DATABASE_URL or METROLOGY_TEST_DATABASE_URL), then
`--processes` (2) `metrology-svc ingest` processes in one shared subscription
(`$share/bench/...`) on PostgreSQL, then the bare subscriber again. Rows are counted afterwards:
zero lost, zero duplicated. Ends with one line of JSON.

`python -m bench.ingest --field [options of bench.ingest_field]` runs the field's shape instead
(50 and 500 devices, one `mosquitto_pub -l -q 1` each with 20 in flight): see
bench/ingest_field.py, and bench/ingest_store.py for the writer's cost per batch alone.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from prometheus_client import REGISTRY
from sqlalchemy import Engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from devices.ingest import start_ingest
from devices.registry import add_device
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import create_user
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, database_ready, new_session
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.owners.models import Owner, OwnerKind
from metrology_svc.readings.models import Reading
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit

T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
TARGET_RATE = 10_000.0
TARGET_SHARE = 0.5


# --- broker and publishers ----------------------------------------------------------------------


@contextmanager
def broker(workdir: Path) -> Iterator[int]:
    """Run a private Mosquitto on a free port; yield the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    conf = workdir / f"mosquitto-{port}.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
        "persistence false\nuser root\nlog_dest none\n"
    )
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)])
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def payload_files(workdir: Path, devices: list[str], n: int) -> list[tuple[str, Path]]:
    """Write one file of JSON lines per device (1 in 20 a consumer check); n in all."""
    files = []
    for index, device in enumerate(devices):
        path = workdir / f"{device}.jsonl"
        with path.open("w") as fh:
            for seq in range(index, n, len(devices)):
                at = (T0 + timedelta(milliseconds=seq)).isoformat()
                body: dict[str, Any] = {"v": 1, "kind": "reading", "boot": "bench", "seq": seq}
                body |= {"measured_at": at, "unit": "g", "mass": 1000 - seq % 40, "stable": True}
                if seq % 20 == 0:
                    stall = f"S-{seq % 37:02d}"
                    body["check"] = {"seller": {"stall": stall}, "declared": 1000, "category": "ca"}
                fh.write(json.dumps(body, separators=(",", ":")) + "\n")
        files.append((f"metrology/v1/{device}/readings", path))
    return files


def publish(port: int, files: list[tuple[str, Path]]) -> list[subprocess.Popen[bytes]]:
    """Start one `mosquitto_pub -l` per file (QoS 1, 1000 in flight)."""
    procs = []
    for topic, path in files:
        with path.open("rb") as stdin:
            procs.append(
                subprocess.Popen(
                    ["mosquitto_pub", "-p", str(port), "-q", "1", "-M", "1000", "-l", "-t", topic],
                    stdin=stdin,
                )
            )
    return procs


def timed(
    port: int, files: list[tuple[str, Path]], n: int, done: Callable[[], int]
) -> dict[str, float]:
    """Publish everything; return seconds until the consumer reports n, and the publishers' time."""
    start = time.perf_counter()
    procs = publish(port, files)
    published = None
    deadline = start + max(120.0, n / 500)
    while done() < n and time.perf_counter() < deadline:
        if published is None and all(p.poll() is not None for p in procs):
            published = time.perf_counter() - start
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    for p in procs:
        p.wait(30)
    return {"seconds": elapsed, "publish_seconds": published or elapsed, "rate": done() / elapsed}


# --- the baseline: a bare paho subscriber -------------------------------------------------------


def bare(port: int, files: list[tuple[str, Path]], n: int) -> dict[str, float]:
    """Measure a bare paho QoS 1 subscriber (auto ack, no parsing, no database)."""
    count = [0]
    subscribed = threading.Event()
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=MQTTProtocolVersion.MQTTv5
    )

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        count[0] += 1

    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe("metrology/v1/+/+", qos=1)
    subscribed.wait(10)
    result = timed(port, files, n, lambda: count[0])
    client.disconnect()
    client.loop_stop()
    return result


# --- the ingest ---------------------------------------------------------------------------------


def seed(engine: Engine, devices: list[str]) -> None:
    """Create a market with a control scale per device."""
    prepare_database(engine)
    with new_session(engine) as session:
        unit = create_unit(
            session, AdminUnitCreate(code="99", name="Tỉnh thử", level=UnitLevel.PROVINCE)
        )
        admin = create_user(session, name="bench", email="b@x.vn", role=Role.ADMIN, unit_codes=[])
        site = Site(kind=SiteKind.MARKET, name="Chợ thử", unit_id=unit.id or 0)
        owner = Owner(kind=OwnerKind.HOUSEHOLD, name="Ban quản lý chợ")
        session.add_all([site, owner])
        session.flush()
        who = Principal(user_id=admin.user.id or 0, name="bench", role=Role.ADMIN)
        for device in devices:
            data = InstrumentCreate(
                type_code="scale_counter", serial=device, manufacturer="Vibra",
                accuracy_class="III", max_g=30000, e_g=10, d_g=10, owner_id=owner.id or 0,
                site_id=site.id or 0, role=InstrumentRole.CONTROL,
            )  # fmt: skip
            instrument = create_instrument(session, who, data)
            add_device(session, instrument_id=instrument.id or 0, device_id=device)
        session.commit()


def counted(engine: Engine) -> tuple[int, int]:
    """Return (rows, distinct (device, boot, seq)) of the reading table."""
    with new_session(engine) as session:
        rows = session.exec(select(func.count()).select_from(Reading)).one()
        keys = session.exec(select(Reading.device_id, Reading.boot, Reading.seq)).all()
    return int(rows), len(set(keys))


def _stored() -> float:
    return REGISTRY.get_sample_value("metrology_ingest_stored_total") or 0.0


def run_ingest(
    engine: Engine, port: int, files: list[tuple[str, Path]], n: int, devices: list[str]
) -> dict[str, Any]:
    """Measure the ingest on one database, then count the rows."""
    seed(engine, devices)
    settings = Settings(mqtt_url=f"mqtt://127.0.0.1:{port}", mqtt_client_id=f"bench-{port}")
    stored_before = _stored()
    ingest = start_ingest(settings=settings, engine=engine)
    ingest.connected.wait(15)
    time.sleep(0.5)  # let the subscription land before the first message
    result = timed(port, files, n, lambda: int(_stored() - stored_before))
    ingest.stop()
    rows, distinct = counted(engine)
    return result | {"lost": n - distinct, "duplicated": rows - distinct}


# --- several ingest processes on one shared subscription -----------------------------------------


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("metrology-svc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "metrology_svc"]


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM reading")).scalar_one())


def _every(seconds: float, probe: Callable[[], int]) -> Callable[[], int]:
    """Call probe at most every `seconds` (counting rows costs the database some work)."""
    last = [0.0, 0]

    def throttled() -> int:
        now = time.perf_counter()
        if now - last[0] >= seconds:
            last[:] = [now, probe()]
        return int(last[1])

    return throttled


def run_shared(
    engine: Engine,
    port: int,
    files: list[tuple[str, Path]],
    n: int,
    devices: list[str],
    *,
    processes: int,
    workdir: Path,
) -> dict[str, Any]:
    """Measure `processes` `metrology-svc ingest` processes in one share group; count the rows."""
    seed(engine, devices)
    env = os.environ | {
        "METROLOGY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "METROLOGY_MQTT_URL": f"mqtt://127.0.0.1:{port}",
        "METROLOGY_MQTT_SHARE_GROUP": "bench",
        "METROLOGY_DATA_DIR": str(workdir),
        "METROLOGY_LOG_JSON": "true",
        "METROLOGY_METRICS_PORT": "0",
    }
    logs = [workdir / f"ingest-{port}-{i}.log" for i in range(processes)]
    procs = []
    for i, log_path in enumerate(logs):
        with log_path.open("ab") as log:
            procs.append(
                subprocess.Popen(
                    [*_cli(), "ingest"],
                    stdout=log,
                    stderr=log,
                    env=env | {"METROLOGY_MQTT_CLIENT_ID": f"bench-share-{port}-{i}"},
                    cwd=workdir,
                )
            )
    try:
        deadline = time.monotonic() + 60
        while not all("ingest: connected to" in p.read_text(errors="replace") for p in logs):
            if time.monotonic() > deadline or any(proc.poll() is not None for proc in procs):
                tails = [p.read_text(errors="replace")[-1500:] for p in logs]
                raise RuntimeError(f"an ingest process did not connect: {tails}")
            time.sleep(0.05)
        time.sleep(0.5)  # let the subscriptions land before the first message
        result = timed(port, files, n, _every(0.1, lambda: _rows(engine)))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    rows, distinct = counted(engine)
    return result | {"processes": processes, "lost": n - distinct, "duplicated": rows - distinct}


@contextmanager
def postgres_engine() -> Iterator[Engine | None]:
    """Yield an engine on a private schema of the configured PostgreSQL, or None."""
    url = os.environ.get("METROLOGY_BENCH_DATABASE_URL") or os.environ.get(
        "METROLOGY_TEST_DATABASE_URL", ""
    )
    admin = build_engine(url) if url else None
    if admin is None or not database_ready(admin):
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    private = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = build_engine(private.render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


PHASES = ("sqlite", "postgresql", "shared")


def main() -> None:
    """Run the phases and print the figures, then one line of JSON."""
    if "--field" in sys.argv[1:]:  # the field's shape: many devices, 20 in flight each
        from bench import ingest_field

        ingest_field.main([arg for arg in sys.argv[1:] if arg != "--field"])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--field", action="store_true", help="the field's shape (python -m bench.ingest_field -h)"
    )
    parser.add_argument("--quick", action="store_true", help="30,000 readings (under a minute)")
    parser.add_argument("--n", type=int, default=0, help="readings per phase")
    parser.add_argument("--publishers", type=int, default=4)
    parser.add_argument(
        "--processes", type=int, default=2, help="ingest processes in the shared phase"
    )
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"ingest phases to run, of {','.join(PHASES)} (the baseline always runs)",
    )
    args = parser.parse_args()
    if shutil.which("mosquitto") is None or shutil.which("mosquitto_pub") is None:
        sys.exit("needs mosquitto and mosquitto_pub (Debian packages mosquitto, mosquitto-clients)")
    phases = [name for name in args.phases.split(",") if name]
    if unknown := set(phases) - set(PHASES):
        sys.exit(f"unknown phases: {sorted(unknown)}")
    n = args.n or (30_000 if args.quick else 200_000)
    devices = [f"cs-bench-{i:02d}" for i in range(args.publishers)]
    out: dict[str, Any] = {"bench": "ingest", "n": n, "publishers": args.publishers}
    out["load_average"] = list(os.getloadavg())
    out |= dict.fromkeys(PHASES)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = payload_files(work, devices, n)
        with broker(work) as port:
            first = bare(port, files, n)
        print(f"bare paho subscriber: {first['rate']:,.0f} msg/s", file=sys.stderr)
        if "sqlite" in phases:
            with broker(work) as port:
                sqlite = build_engine(f"sqlite:///{work / 'bench.db'}")
                out["sqlite"] = run_ingest(sqlite, port, files, n, devices)
                sqlite.dispose()
            print(f"ingest on SQLite: {out['sqlite']['rate']:,.0f} readings/s", file=sys.stderr)
        if "postgresql" in phases:
            with postgres_engine() as pg, broker(work) as port:
                out["postgresql"] = None if pg is None else run_ingest(pg, port, files, n, devices)
        if "shared" in phases:
            # Separate processes, so each has its own GIL; PostgreSQL, as a scaled-out ingest uses.
            with postgres_engine() as pg, broker(work) as port:
                out["shared"] = (
                    None
                    if pg is None
                    else run_shared(
                        pg, port, files, n, devices, processes=args.processes, workdir=work
                    )
                )
        # The baseline again at the end: the machine is shared, so its load drifts during a run;
        # the mean of both baselines is what the ingest is compared with.
        with broker(work) as port:
            last = bare(port, files, n)
    out["bare_paho"] = {"first": first, "last": last, "rate": (first["rate"] + last["rate"]) / 2}
    out["load_average_end"] = list(os.getloadavg())
    print(f"bare paho subscriber again: {last['rate']:,.0f} msg/s", file=sys.stderr)
    if out["postgresql"] is not None:
        print(f"ingest on PostgreSQL: {out['postgresql']['rate']:,.0f} readings/s", file=sys.stderr)
    if out["shared"] is not None:
        print(
            f"{args.processes} ingest processes, shared subscription, PostgreSQL: "
            f"{out['shared']['rate']:,.0f} readings/s",
            file=sys.stderr,
        )
    out["targets"] = targets(out)
    print(json.dumps(out, separators=(",", ":")))


def targets(out: dict[str, Any]) -> dict[str, bool | None]:
    """Judge each target: rate, share of the bare subscriber, nothing lost or doubled."""
    bare_rate = out["bare_paho"]["rate"]
    result: dict[str, bool | None] = {}
    for phase_name in PHASES:
        phase = out[phase_name]
        if phase is None:
            result |= {
                f"{phase_name}_rate_10k": None,
                f"{phase_name}_half_of_bare": None,
                f"{phase_name}_exact": None,
            }
            continue
        result[f"{phase_name}_rate_10k"] = phase["rate"] >= TARGET_RATE
        result[f"{phase_name}_half_of_bare"] = phase["rate"] >= TARGET_SHARE * bare_rate
        result[f"{phase_name}_exact"] = phase["lost"] == 0 and phase["duplicated"] == 0
    return result


if __name__ == "__main__":
    main()
