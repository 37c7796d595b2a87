"""What one ingest batch costs the writer thread, by how many devices the batch spans.

python -m bench.ingest_store [--devices 50,500] [--batch 2000] [--batches 12] [--tweaks ...]
                             [--phases sqlite,postgresql] [--profile]

The field bench (bench.ingest_field) shows the whole path under a shared machine's noise; this
one runs only what the writer thread does with a batch, in one thread, without MQTT: store_batch
and the commit, then building the batch's end-to-end acks (devices.acks.ack_messages and the
QoS 0 packets). Items are parsed beforehand (that is paho's thread's work; its cost per message
is printed as `parse`). Each batch spans DEVICES registered devices, each with its own
contiguous sequence (1 in 20 a consumer check), as in the field. The figures are CPU-bound and
taken as the median of the batches after the first (which warms caches), so they move much
less with the machine's load than a throughput does: use them to compare a tweak with none.

Timers split each batch into its steps (devices.store's helpers, evidence, the commit); with
`--profile`, cProfile's top functions of the whole run follow. Ends with one line of JSON.
"""

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench import ingest_tweaks
from bench.ingest import T0, postgres_engine, seed
from bench.ingest_field import cpu_seconds
from devices import store
from devices.acks import ack_messages
from devices.protocol import parse
from devices.store import Incoming, store_batch
from metrology_svc.db import build_engine, new_session
from metrology_svc.readings import evidence
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.settings import Settings

# The steps timed inside store_batch: (module, function name).
STEPS: tuple[tuple[Any, str], ...] = (
    (store, "_sort"),
    (evidence, "settle_trust"),
    (store, "_store_selfchecks"),
    (store, "_store_readings"),
    (evidence, "update_sellers"),
    (store, "_set_aside"),
)


class Timers:
    """CPU seconds this thread spends in each wrapped step, per batch.

    Thread CPU time, not wall time: the machine is shared, and a step's wall time mostly
    says how long other processes held the cores. PostgreSQL's own work is counted apart
    (its backend's CPU, from /proc).
    """

    def __init__(self) -> None:
        self.batch: dict[str, float] = defaultdict(float)
        self.all: dict[str, list[float]] = defaultdict(list)
        self.originals: list[tuple[Any, str, Any]] = []
        self.server: int | None = None  # PostgreSQL's backend: its CPU is counted per step too

    def wrap(self, owner: Any, name: str) -> None:
        """Time owner.name (skipped when it does not exist: private helpers move)."""
        func = getattr(owner, name, None)
        if func is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.step(name):
                return func(*args, **kwargs)

        self.originals.append((owner, name, func))
        setattr(owner, name, timed)

    def unwrap(self) -> None:
        """Put the wrapped functions back."""
        for owner, name, func in reversed(self.originals):
            setattr(owner, name, func)
        self.originals.clear()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a block as a step."""
        start = time.thread_time()
        server = cpu_seconds(self.server) if self.server else 0.0
        try:
            yield
        finally:
            self.batch[name] += time.thread_time() - start
            if self.server:
                self.batch[f"{name}@pg"] += cpu_seconds(self.server) - server

    def close_batch(self) -> None:
        """File this batch's figures."""
        for name, seconds in self.batch.items():
            self.all[name].append(seconds)
        self.batch.clear()


BATCH_EVERY_S = 0.25  # receipt time between two batches (2,000 readings at 8,000/s)


def items_for(devices: list[str], batch: int, count: int) -> list[list[Incoming]]:
    """Parse `count` batches, each spreading `batch` readings over the devices in turn.

    Receipt times move BATCH_EVERY_S per batch, as they would at 8,000 readings/s.
    """
    seqs = dict.fromkeys(devices, 0)
    start = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    out = []
    for number in range(count):
        now = start + timedelta(seconds=number * BATCH_EVERY_S)
        items = []
        for index in range(batch):
            device = devices[index % len(devices)]
            seq = seqs[device]
            seqs[device] += 1
            body: dict[str, Any] = {"v": 1, "kind": "reading", "boot": "bench", "seq": seq}
            at = (T0 + timedelta(seconds=seq)).isoformat()
            body |= {"measured_at": at, "unit": "g", "mass": 1000 - seq % 40, "stable": True}
            if seq % 20 == 0:
                stall = f"S-{seq % 37:02d}"
                body["check"] = {"seller": {"stall": stall}, "declared": 1000, "category": "ca"}
            topic = f"metrology/v1/{device}/readings"
            payload = json.dumps(body, separators=(",", ":")).encode()
            items.append(Incoming(topic, payload, parse(topic, payload, now=now), now))
        out.append(items)
    return out


def parse_cost(batch: list[Incoming]) -> float:
    """CPU microseconds paho's thread spends in parse() per message (best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for item in batch:
            parse(item.topic, item.payload, now=item.received_at)
        best = min(best, time.thread_time() - start)
    return best / len(batch) * 1e6


def _ack_packets(batch: list[Incoming]) -> int:
    """Build the batch's acks as the ingest does (QoS 0 packets); return the messages."""
    from devices import ingest

    acks = ack_messages(item.parsed for item in batch)
    build: Callable[[bytes, bytes], bytes] | None = getattr(ingest, "_qos0_publish", None)
    if build is not None:
        b"".join(build(topic.encode(), payload) for topic, payload in acks)
    return len(acks)


def run(
    engine: Engine,
    devices: list[str],
    batches: list[list[Incoming]],
    profiler: cProfile.Profile | None = None,
) -> dict[str, Any]:
    """Store every batch as the writer does; return the median figures per batch."""
    seed(engine, devices)
    with new_session(engine) as session:
        rules = IngestRules.from_database(session, Settings())
    timers = Timers()
    for owner, name in STEPS:
        timers.wrap(owner, name)
    totals, backend, acks, stored = [], [], 0, 0
    server = timers.server = _backend_pid(engine)
    if profiler is not None:
        profiler.enable()
    try:
        for batch in batches:
            start, server_start = time.thread_time(), cpu_seconds(server) if server else 0.0
            with timers.step("store_batch"), new_session(engine) as session:
                outcome = store_batch(session, batch, rules)
                with timers.step("commit"):
                    session.commit()
            with timers.step("acks"):
                acks = _ack_packets(batch)
            totals.append(time.thread_time() - start)
            backend.append(cpu_seconds(server) - server_start if server else 0.0)
            timers.close_batch()
            stored += outcome.stored
    finally:
        if profiler is not None:
            profiler.disable()
        timers.unwrap()  # the next phase wraps the originals again
    size = len(batches[0])
    median_s = statistics.median(totals[1:] or totals)
    server_s = statistics.median(backend[1:] or backend)
    return {
        "batch_ms": round(median_s * 1000, 1),
        "us_per_msg": round(median_s / size * 1e6, 1),
        "server_us_per_msg": round(server_s / size * 1e6, 1),
        "steps_ms": {
            k: round(statistics.median(v[1:] or v) * 1000, 1) for k, v in timers.all.items()
        },
        "acks_per_batch": acks,
        "stored": stored,
        "expected": size * len(batches),
    }


def _backend_pid(engine: Engine) -> int | None:
    """The PostgreSQL backend serving the pool's (one) connection, if it is local."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def main() -> None:
    """Run each device count on each database and print the figures, then one line of JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", default="50,500")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--phases", default="sqlite,postgresql")
    parser.add_argument("--tweaks", default="", help="proposals of bench/ingest_tweaks.py")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions")
    args = parser.parse_args()
    tweaks = [t for t in args.tweaks.split(",") if t]
    if unknown := set(tweaks) - set(ingest_tweaks.TWEAKS):
        sys.exit(f"unknown tweaks: {sorted(unknown)}; known: {sorted(ingest_tweaks.TWEAKS)}")
    ingest_tweaks.apply(tweaks)
    out: dict[str, Any] = {"bench": "ingest_store", "batch": args.batch, "tweaks": tweaks}
    profiler = cProfile.Profile() if args.profile else None
    results = []
    for count in (int(d) for d in args.devices.split(",")):
        devices = [f"cs-store-{i:03d}" for i in range(count)]
        batches = items_for(devices, args.batch, args.batches)
        parse_us = parse_cost(batches[0])
        for phase in args.phases.split(","):
            with _engine(phase) as engine:
                if engine is None:
                    continue
                figures = run(engine, devices, batches, profiler)
            figures |= {"devices": count, "database": phase, "parse_us_per_msg": round(parse_us, 1)}
            results.append(figures)
            steps = " ".join(f"{k}={v}" for k, v in figures["steps_ms"].items())
            print(
                f"{count:>4} devices {phase:<10} {figures['batch_ms']:>7.1f} ms CPU/batch "
                f"{figures['us_per_msg']:>5.1f} µs/msg (+ server {figures['server_us_per_msg']}) "
                f"acks {figures['acks_per_batch']}  "
                f"parse {parse_us:.1f} µs/msg\n      {steps}",
                file=sys.stderr,
                flush=True,
            )
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(60)
    out["results"] = results
    print(json.dumps(out, separators=(",", ":")))


@contextmanager
def _engine(phase: str) -> Iterator[Engine | None]:
    if phase == "postgresql":
        with postgres_engine() as pg:
            yield pg
        return
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(f"sqlite:///{Path(tmp) / 'store.db'}")
        try:
            yield engine
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
