"""The ingest in the field's shape: many devices, each a `mosquitto_pub -l -q 1` with 20 in flight.

python -m bench.ingest_field [--quick] [--shapes 50x4000,500x400] [--phases sqlite,postgresql]
                             [--tweaks NAME,...] [--batch-ms MS] [--profile DIR] [--no-ack-check]

Real control scales each hold one MQTT connection and a small in-flight window (libmosquitto's
default: 20), not the four publishers with 1,000 in flight each of `bench.ingest`. For every
shape (DEVICESxREADINGS each) this runs, each on a fresh private Mosquitto configured as shipped
for throughput (max_queued_messages 0, max_inflight_messages 1000, max_packet_size 8192):
a bare paho subscriber (QoS 1, MQTT v5, acks on arrival: the baseline), the ingest on SQLite,
the ingest on PostgreSQL (a private schema on METROLOGY_BENCH_DATABASE_URL or
METROLOGY_TEST_DATABASE_URL), then the bare subscriber again; the ingest is compared with the
mean of both baselines, all measured in the same run. Every consumer runs in its own process,
so its peak RSS and CPU time are its own (and `--profile` can attach py-spy to it).

Devices are registered (readings are stored, not dead-lettered) and each sends its own
contiguous sequence, as a device does. After each ingest phase the rows are counted: 0 lost,
0 duplicated, 0 dead letters; with end-to-end acks on, a listener on `metrology/v1/+/ack` (the
devices' side) checks that every reading was acknowledged. Ends with one line of JSON.

`--tweaks` applies the measured proposals of bench/ingest_tweaks.py inside the ingest's process
(monkeypatches, for measuring before changing devices/); `--profile DIR` writes py-spy's
collapsed stacks of each ingest phase there (py-spy on PATH or PY_SPY=/path/to/py-spy).
"""

import argparse
import json
import os
import resource
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

TARGET_SHARE = 0.8  # of the bare subscriber, in the same run (issue 14)
SHAPES = "50x4000,500x400"
QUICK_SHAPES = "50x1000,500x100"
PHASES = ("sqlite", "postgresql")
CPU_COLUMNS = ("consumer", "database", "broker", "publishers")
BROKER_CONF = (
    "allow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 1000\n"
    "max_packet_size 8192\npersistence false\nuser root\nlog_dest none\n"
)


# --- load: one file of JSON lines and one mosquitto_pub per device ---------------------------


def field_files(workdir: Path, devices: list[str], per_device: int) -> list[tuple[str, Path]]:
    """Write each device's readings (its own seq 0..per_device-1; 1 in 20 a consumer check)."""
    from bench.ingest import T0

    files = []
    for device in devices:
        path = workdir / f"{device}.jsonl"
        with path.open("w") as fh:
            for seq in range(per_device):
                at = (T0 + timedelta(seconds=seq)).isoformat()
                body: dict[str, Any] = {"v": 1, "kind": "reading", "boot": "bench", "seq": seq}
                body |= {"measured_at": at, "unit": "g", "mass": 1000 - seq % 40, "stable": True}
                if seq % 20 == 0:
                    stall = f"S-{seq % 37:02d}"
                    body["check"] = {"seller": {"stall": stall}, "declared": 1000, "category": "ca"}
                fh.write(json.dumps(body, separators=(",", ":")) + "\n")
        files.append((f"metrology/v1/{device}/readings", path))
    return files


def start_publishers(
    port: int, files: list[tuple[str, Path]], inflight: int | None
) -> list[subprocess.Popen[bytes]]:
    """Start one `mosquitto_pub -l -q 1` per device, its client id the device id."""
    procs = []
    window = [] if inflight is None else ["-M", str(inflight)]
    for topic, path in files:
        device = topic.split("/")[2]
        argv = ["mosquitto_pub", "-p", str(port), "-q", "1", *window, "-i", device, "-l"]
        with path.open("rb") as stdin:
            procs.append(subprocess.Popen([*argv, "-t", topic], stdin=stdin))
    return procs


@contextmanager
def field_broker(workdir: Path) -> Iterator[tuple[int, int]]:
    """Run a private Mosquitto configured as shipped for throughput; yield (port, pid)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    conf = workdir / f"mosquitto-{port}.conf"
    conf.write_text(f"listener {port} 127.0.0.1\n" + BROKER_CONF)
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the consumers, each in its own process ----------------------------------------------------


def _counter_value(counter: Any) -> float:
    """Read a prometheus Counter through its public collect() (no registry-wide scrape)."""
    samples = (s for metric in counter.collect() for s in metric.samples)
    return float(sum(s.value for s in samples if s.name.endswith("_total")))


def _peak_rss_kib() -> int:
    # VmHWM, not ru_maxrss: Linux carries the parent's peak over a fork and exec into the latter.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _child_main(spec: dict[str, Any]) -> None:
    """Run one consumer; say `ready`, then `done` at spec["n"] messages, stats at stdin's EOF."""
    count, at_done, stop = _bare_child(spec) if spec["kind"] == "bare" else _ingest_child(spec)
    print("ready", flush=True)
    n = spec["n"]
    figures: dict[str, Any] | None = None
    while True:
        if figures is None and count() >= n:
            print("done", flush=True)
            figures = at_done()
        # The parent closes stdin to end the phase (done, or out of time).
        readable, _, _ = select.select([sys.stdin], [], [], 0.005)
        if readable and not sys.stdin.readline():
            break
    extra = (figures or at_done()) | stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {
        "count": count(),
        "peak_rss_mb": round(_peak_rss_kib() / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }
    print("stats " + json.dumps(stats | extra), flush=True)


def _bare_child(spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    """A bare paho QoS 1 subscriber: counts, acks on arrival, no parsing, no database."""
    count = [0]
    subscribed = threading.Event()
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=MQTTProtocolVersion.MQTTv5
    )

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        count[0] += 1

    client.on_message = on_message
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect("127.0.0.1", spec["port"])
    client.loop_start()
    client.subscribe("metrology/v1/+/readings", qos=1)
    subscribed.wait(10)

    def stop() -> dict[str, Any]:
        client.disconnect()
        client.loop_stop()
        return {}

    return lambda: count[0], dict, stop


class _Probe:
    """Time the writer's steps (collect, store + commit, ack) and each thread's CPU.

    Wraps BatchWriter._collect, BatchWriter._store and Ingest._ack where they exist (they are
    private and may move: a missing one is skipped, never an error).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.items = 0
        self.cpu_start: dict[str, float] = {}
        self.backends: dict[int, float] = {}  # PostgreSQL backend pid: its CPU at start()

    def install(self) -> None:
        """Wrap the writer's steps."""
        from devices.ingest import Ingest
        from devices.ingest_writer import BatchWriter

        for owner, name in ((BatchWriter, "_collect"), (BatchWriter, "_store"), (Ingest, "_ack")):
            if hasattr(owner, name):
                setattr(owner, name, self._timed(name.strip("_"), getattr(owner, name)))

    def _timed(self, step: str, func: Any) -> Any:
        def timed(*args: Any) -> Any:
            start = time.perf_counter()
            result = func(*args)
            self.seconds[step] += time.perf_counter() - start
            self.calls[step] += 1
            if step == "store":
                self.items += len(args[1])
            return result

        return timed

    def watch(self, engine: Any) -> None:
        """Note the PostgreSQL backend of each connection the engine opens (its CPU counts)."""
        from sqlalchemy import event

        if engine.dialect.name != "postgresql":
            return

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            self.backends.setdefault(int(dbapi_connection.info.backend_pid), 0.0)

        event.listen(engine, "connect", on_connect)

    @staticmethod
    def thread_cpu() -> dict[str, float]:
        """CPU seconds of each live thread of this process, by its Python name."""
        tick = os.sysconf("SC_CLK_TCK")
        out: dict[str, float] = defaultdict(float)
        for thread in threading.enumerate():
            stat = Path(f"/proc/self/task/{thread.native_id}/stat")
            with suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                name = thread.name.split("-bench")[0]  # paho's thread carries the client id
                out[name] += (int(fields[11]) + int(fields[12])) / tick
        return out

    def start(self) -> None:
        """Reset the figures: what came before (start-up) is not the run's."""
        self.seconds.clear()
        self.calls.clear()
        self.items = 0
        self.cpu_start = self.thread_cpu()
        self.backends = {pid: cpu_seconds(pid) for pid in self.backends}

    def report(self) -> dict[str, Any]:
        """Return the figures since start()."""
        cpu = {k: round(v - self.cpu_start.get(k, 0.0), 2) for k, v in self.thread_cpu().items()}
        database = sum(cpu_seconds(pid) - start for pid, start in self.backends.items())
        return {
            "thread_cpu_s": cpu,
            "database_cpu_s": round(database, 2),
            "step_s": {k: round(v, 2) for k, v in self.seconds.items()},
            "batches": self.calls.get("store", 0),
            "mean_batch": round(self.items / self.calls["store"]) if self.calls["store"] else 0,
        }


def _ingest_child(spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The ingest as `metrology-svc ingest` runs it, with the bench's tweaks applied first."""
    from bench import ingest_tweaks
    from devices import ingest_metrics as m
    from devices.ingest import start_ingest
    from metrology_svc.db import build_engine
    from metrology_svc.settings import Settings

    acks = ingest_tweaks.apply(spec["tweaks"])
    probe = _Probe()
    probe.install()
    settings = Settings(
        mqtt_url=f"mqtt://127.0.0.1:{spec['port']}",
        mqtt_client_id=f"bench-ingest-{spec['port']}",
        ingest_end_to_end_ack=True,
        **spec["settings"],
    )
    engine = build_engine(spec["database_url"])
    probe.watch(engine)
    ingest = start_ingest(settings=settings, engine=engine)
    ingest.connected.wait(15)
    time.sleep(0.5)  # let the subscription land before the first message
    probe.start()

    def accounted() -> int:
        done = _counter_value(m.STORED) + _counter_value(m.DUPLICATES)
        return int(done + _counter_value(m.REJECTED))

    def stop() -> dict[str, Any]:
        ingest.stop()
        engine.dispose()
        return {
            "stored": _counter_value(m.STORED),
            "duplicates": _counter_value(m.DUPLICATES),
            "rejected": _counter_value(m.REJECTED),
            "acks": acks,
            "tweaks": spec["tweaks"],
        }

    return accounted, probe.report, stop


# --- the parent: one phase ----------------------------------------------------------------------


class AckListener:
    """The devices' side of end-to-end acks: collect every ack on metrology/v1/+/ack (QoS 0)."""

    def __init__(self, port: int) -> None:
        self.payloads: list[tuple[str, bytes | bytearray]] = []
        self._subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"bench-acks-{port}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.client.on_message = lambda _c, _u, msg: self.payloads.append((msg.topic, msg.payload))
        self.client.on_subscribe = lambda *_a: self._subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe("metrology/v1/+/ack", qos=0)
        self._subscribed.wait(10)

    def covered(self) -> dict[str, set[int]]:
        """Return the sequence numbers acknowledged to each device (boot "bench")."""
        from devices.acks import parse_ack

        out: dict[str, set[int]] = defaultdict(set)
        for topic, payload in list(self.payloads):
            ack = parse_ack(bytes(payload))
            if ack is not None and ack.boot == "bench":
                for first, last in ack.ranges:
                    out[topic.split("/")[2]].update(range(first, last + 1))
        return out

    def unacked(self, devices: int, per_device: int, timeout: float) -> int:
        """Wait (up to timeout) until every reading is acknowledged; return how many are not."""
        deadline = time.monotonic() + timeout
        wanted = set(range(per_device))
        while True:
            acked = sum(len(seqs & wanted) for seqs in self.covered().values())
            if acked == devices * per_device or time.monotonic() > deadline:
                return devices * per_device - acked
            time.sleep(0.1)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Phase:
    """What one consumer did in one phase."""

    name: str
    seconds: float = 0.0
    rate: float = 0.0
    finished: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)


def _spawn(spec: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.ingest_field", "--child", json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )


def _expect(proc: subprocess.Popen[str], word: str, timeout: float) -> float | None:
    """Wait for a line starting with `word` from the child; return when it came (perf_counter)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readable, _, _ = select.select([proc.stdout], [], [], 0.05)
        if readable:
            line = proc.stdout.readline()
            if not line:
                return None
            if line.startswith(word):
                return time.perf_counter()
    return None


def run_phase(
    name: str,
    spec: dict[str, Any],
    files: list[tuple[str, Path]],
    *,
    broker_pid: int,
    inflight: int | None,
    profile: Path | None,
    ack_check: bool,
) -> Phase:
    """Start the consumer, publish everything, time until it has accounted for every message."""
    n = spec["n"]
    phase = Phase(name)
    child = _spawn(spec)
    if _expect(child, "ready", 60) is None:
        child.kill()
        raise RuntimeError(f"{name}: the consumer did not start")
    listener = AckListener(spec["port"]) if ack_check and spec["kind"] == "ingest" else None
    spy = _py_spy(child.pid, profile / f"{name}.txt") if profile is not None else None
    cpu_before = {
        "consumer": cpu_seconds(child.pid),
        "broker": cpu_seconds(broker_pid),
        "bench": cpu_seconds(os.getpid()),  # this process: the ack listener, the polling
    }
    start = time.perf_counter()
    pubs = start_publishers(spec["port"], files, inflight)
    done_at = _expect(child, "done", 60 + n / 1000)
    phase.finished = done_at is not None
    phase.seconds = (done_at or time.perf_counter()) - start
    phase.rate = n / phase.seconds if phase.finished else 0.0
    phase.cpu = {
        "consumer": cpu_seconds(child.pid) - cpu_before["consumer"],
        "broker": cpu_seconds(broker_pid) - cpu_before["broker"],
        "bench": cpu_seconds(os.getpid()) - cpu_before["bench"],
    }
    phase.cpu["publishers"] = sum(_reap(pub, 30) for pub in pubs)
    if spy is not None:
        spy.send_signal(2)  # SIGINT: py-spy writes what it has
        spy.wait(30)
    if listener is not None:
        # Acks leave right after each commit: stopping the ingest before the last batch's
        # went out would count them missing (a device would resend, absorbed as duplicates).
        devices = len(files)
        phase.checks["unacked"] = listener.unacked(devices, n // devices, 10)
        phase.checks["ack_messages"] = len(listener.payloads)
        listener.close()
    assert child.stdin is not None
    child.stdin.close()
    stats_line = ""
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("stats "):
            stats_line = line[6:]
    child.wait(60)
    phase.stats = json.loads(stats_line) if stats_line else {}
    return phase


def _reap(proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Wait for a publisher (killed past the timeout); return the CPU seconds it used."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            proc.kill()
            deadline = float("inf")
        time.sleep(0.01)


def _py_spy(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    exe = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if exe is None:
        print("--profile: py-spy not found (PATH or PY_SPY)", file=sys.stderr)
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        exe,
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--threads",
        "--idle",
        "--nonblocking",
    ]
    return subprocess.Popen(
        [*argv, "--rate", "50", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- checks after an ingest phase ---------------------------------------------------------------


def verify(url: str, n: int) -> dict[str, Any]:
    """Count rows and keys: 0 lost, 0 duplicated, 0 dead letters."""
    from sqlalchemy import func
    from sqlmodel import select

    from metrology_svc.db import build_engine, new_session
    from metrology_svc.readings.models import DeadLetter, Reading

    engine = build_engine(url)
    with new_session(engine) as session:
        rows = int(session.exec(select(func.count()).select_from(Reading)).one())
        keys = len(set(session.exec(select(Reading.device_id, Reading.boot, Reading.seq)).all()))
        dead = int(session.exec(select(func.count()).select_from(DeadLetter)).one())
    engine.dispose()
    return {"rows": rows, "lost": n - keys, "duplicated": rows - keys, "dead": dead}


# --- a whole shape: baseline, SQLite, PostgreSQL, baseline -------------------------------------


@dataclass
class Options:
    """What the command line chose."""

    phases: list[str]
    tweaks: list[str]
    settings: dict[str, Any]
    inflight: int | None
    profile: Path | None
    ack_check: bool
    compare: bool = False
    tweaked_first: bool = False


def run_shape(devices_n: int, per_device: int, opts: Options, work: Path) -> dict[str, Any]:
    """Measure one shape: both baselines and each ingest phase, all in this run."""
    n = devices_n * per_device
    devices = [f"cs-field-{i:03d}" for i in range(devices_n)]
    shape_dir = work / f"{devices_n}x{per_device}"
    shape_dir.mkdir()
    files = field_files(shape_dir, devices, per_device)
    phases: dict[str, Phase] = {}
    tag = f"{devices_n}x{per_device}"
    profile = opts.profile / tag if opts.profile else None

    def measure(name: str, spec: dict[str, Any], url: str | None = None) -> None:
        with field_broker(shape_dir) as (port, pid):
            phase = run_phase(
                name, spec | {"n": n, "port": port}, files, broker_pid=pid,
                inflight=opts.inflight, profile=profile if url else None,
                ack_check=opts.ack_check and url is not None,
            )  # fmt: skip
        if url is not None:
            phase.checks = verify(url, n) | phase.checks
        phases[name] = phase
        _say(tag, phase)

    bare: dict[str, Any] = {"kind": "bare", "tweaks": [], "settings": {}}
    measure("bare_first", bare)
    for database in opts.phases:
        # --compare: the ingest as it is first, then with the tweaks and settings, same shape.
        variants: list[tuple[str, list[str], dict[str, Any]]] = []
        if opts.compare:
            variants.append(("", [], {}))
        variants.append(("+tweaks" if opts.compare else "", opts.tweaks, opts.settings))
        if opts.tweaked_first:  # the machine's load drifts: swap the order to see its share
            variants.reverse()
        for suffix, tweaks, settings in variants:
            with _database(database, devices, shape_dir / f"{database}{suffix}.db") as url:
                if url is None:
                    print(f"{database}: not configured or not reachable; skipped", file=sys.stderr)
                    break
                spec = {"kind": "ingest", "database_url": url, "tweaks": tweaks}
                measure(database + suffix, spec | {"settings": settings}, url)
    measure("bare_last", bare)
    baseline = (phases["bare_first"].rate + phases["bare_last"].rate) / 2
    return {
        "devices": devices_n,
        "per_device": per_device,
        "n": n,
        "baseline_rate": round(baseline),
        "phases": {name: _summary(p, baseline) for name, p in phases.items()},
    }


@contextmanager
def _database(name: str, devices: list[str], sqlite_path: Path) -> Iterator[str | None]:
    """Yield the URL of a fresh, seeded database (None: PostgreSQL is not there)."""
    from bench.ingest import postgres_engine, seed
    from metrology_svc.db import build_engine

    if name == "sqlite":
        engine = build_engine(f"sqlite:///{sqlite_path}")
        seed(engine, devices)
        engine.dispose()
        yield f"sqlite:///{sqlite_path}"
        return
    with postgres_engine() as pg:
        if pg is not None:
            seed(pg, devices)
        yield None if pg is None else pg.url.render_as_string(hide_password=False)


def _say(tag: str, phase: Phase) -> None:
    extra = ""
    if phase.checks:
        extra = " " + " ".join(f"{k}={v}" for k, v in phase.checks.items())
    if "batches" in phase.stats:
        probe = ("batches", "mean_batch", "step_s", "thread_cpu_s")
        extra += "\n    " + " ".join(f"{k}={phase.stats[k]}" for k in probe)
    state = "" if phase.finished else " (DID NOT FINISH)"
    print(f"  {tag} {phase.name}: {phase.rate:,.0f}/s{state}{extra}", file=sys.stderr, flush=True)


def _summary(phase: Phase, baseline: float) -> dict[str, Any]:
    n = phase.stats.get("count") or 0
    out: dict[str, Any] = {
        "rate": round(phase.rate),
        "seconds": round(phase.seconds, 2),
        "ratio": round(phase.rate / baseline, 3) if baseline else None,
        "finished": phase.finished,
        "peak_rss_mb": phase.stats.get("peak_rss_mb"),
        "consumer_cpu_us_per_msg": round(phase.cpu["consumer"] / n * 1e6, 1) if n else None,
        "broker_cpu_us_per_msg": round(phase.cpu["broker"] / n * 1e6, 1) if n else None,
        "publishers_cpu_us_per_msg": round(phase.cpu["publishers"] / n * 1e6, 1) if n else None,
        "bench_cpu_us_per_msg": round(phase.cpu["bench"] / n * 1e6, 1) if n else None,
        "database_cpu_us_per_msg": (
            round(phase.stats["database_cpu_s"] / n * 1e6, 1)
            if n and "database_cpu_s" in phase.stats
            else None
        ),
    }
    probe = ("acks", "tweaks", "batches", "mean_batch", "step_s", "thread_cpu_s")
    out |= {key: phase.stats[key] for key in probe if key in phase.stats}
    return out | phase.checks


def exact(phase: dict[str, Any]) -> bool:
    """0 lost, 0 duplicated, 0 dead letters, every reading acknowledged (when checked)."""
    return (
        phase["finished"]
        and phase.get("lost") == 0
        and phase.get("duplicated") == 0
        and phase.get("dead") == 0
        and phase.get("unacked", 0) == 0
    )


def table(shapes: list[dict[str, Any]]) -> str:
    """Format the figures as a Markdown table (readings/s, ratio to the baseline, peak RSS)."""
    head = (
        "| shape | consumer | readings/s | × bare | peak RSS MB | CPU µs/msg: consumer "
        "| database | broker | publishers | exact |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = []
    for shape in shapes:
        tag = f"{shape['devices']} × {shape['per_device']:,}"
        for name, p in shape["phases"].items():
            ok = "—" if name.startswith("bare") else ("yes" if exact(p) else "NO")
            cpu = [p[f"{who}_cpu_us_per_msg"] for who in CPU_COLUMNS]
            lines.append(
                f"| {tag} | {name} | {p['rate']:,} | {p['ratio']:.2f} | {p['peak_rss_mb']} | "
                + " | ".join("—" if v is None else f"{v:.0f}" for v in cpu)
                + f" | {ok} |"
            )
    return head + "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run every shape and print the table, then one line of JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help=f"shapes {QUICK_SHAPES}")
    parser.add_argument("--shapes", default="", help=f"DEVICESxREADINGS,... (default {SHAPES})")
    parser.add_argument("--phases", default=",".join(PHASES), help="sqlite,postgresql")
    parser.add_argument("--tweaks", default="", help="proposals of bench/ingest_tweaks.py")
    parser.add_argument("--batch-ms", type=int, default=None, help="ingest_batch_ms")
    parser.add_argument("--batch-size", type=int, default=None, help="ingest_batch_size")
    parser.add_argument("--receive-maximum", type=int, default=None, help="mqtt_receive_maximum")
    parser.add_argument("--inflight", type=int, default=None, help="-M per publisher (20)")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output directory")
    parser.add_argument("--no-ack-check", action="store_true", help="no ack listener")
    parser.add_argument(
        "--compare", action="store_true", help="each database as it is, then with the tweaks"
    )
    parser.add_argument(
        "--tweaked-first", action="store_true", help="with --compare: the tweaked ingest first"
    )
    args = parser.parse_args(argv)
    if args.child:
        _child_main(json.loads(args.child))
        return
    if shutil.which("mosquitto") is None or shutil.which("mosquitto_pub") is None:
        sys.exit("needs mosquitto and mosquitto_pub (Debian packages mosquitto, mosquitto-clients)")
    from bench import ingest_tweaks

    tweaks = [t for t in args.tweaks.split(",") if t]
    if unknown := set(tweaks) - set(ingest_tweaks.TWEAKS):
        sys.exit(f"unknown tweaks: {sorted(unknown)}; known: {sorted(ingest_tweaks.TWEAKS)}")
    settings = {
        key: value
        for key, value in {
            "ingest_batch_ms": args.batch_ms,
            "ingest_batch_size": args.batch_size,
            "mqtt_receive_maximum": args.receive_maximum,
        }.items()
        if value is not None
    }
    opts = Options(
        phases=[p for p in args.phases.split(",") if p],
        tweaks=tweaks,
        settings=settings,
        inflight=args.inflight,
        profile=args.profile,
        ack_check=not args.no_ack_check,
        compare=args.compare,
        tweaked_first=args.tweaked_first,
    )
    shapes_arg = args.shapes or (QUICK_SHAPES if args.quick else SHAPES)
    out: dict[str, Any] = {"bench": "ingest_field", "load_average": list(os.getloadavg())}
    out |= {"tweaks": tweaks, "settings": settings, "inflight": args.inflight or 20}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes_arg.split(","):
            devices_n, per_device = (int(x) for x in shape.split("x"))
            print(f"shape {shape}:", file=sys.stderr, flush=True)
            results.append(run_shape(devices_n, per_device, opts, Path(tmp)))
    out["load_average_end"] = list(os.getloadavg())
    out["shapes"] = results
    out["targets"] = {
        f"{s['devices']}x{s['per_device']}_{name}": bool(
            exact(p) and p["ratio"] is not None and p["ratio"] >= TARGET_SHARE
        )
        for s in results
        for name, p in s["phases"].items()
        if not name.startswith("bare")
    }
    print(table(results))
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    with suppress(KeyboardInterrupt):
        main()
