"""Benchmark the public stamp check over 1,000,000 stamps: /v/{code} and /api/v1/stamps/verify.

python -m bench.verify [--quick] [--stamps N] [--seconds S] [--rate R]

Stamps are bulk-inserted into a fresh SQLite file (and a private PostgreSQL schema when
METROLOGY_BENCH_DATABASE_URL or METROLOGY_TEST_DATABASE_URL answers); the service runs in one
uvicorn worker in a subprocess; a separate load-generator process drives it over loopback.
Phases: the top rate (closed loop) of a bare FastAPI route (before and after each backend; the
fastest run is the baseline), of /v/{code} and of the JSON twin, then each of the two at a fixed
rate (open loop, 1,000 requests/s) for p50/p99 latency, timed
from when each request was due so a slow server cannot hide its queue. Codes are random valid
ones. Ends with one line of JSON.
The load generator is bench/loadgen.py, run as its own process for each phase.
"""

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, database_ready, new_session
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner, OwnerKind
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.stamps.keys import KeyRing, code_for
from metrology_svc.stamps.models import Stamp
from metrology_svc.stamps.rules import TokenFields, pack_fields
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit
from metrology_svc.verifications.models import Verification

TARGET_RATE = 1000.0
TARGET_P99_MS = 50.0
TARGET_SHARE = 0.4
# Each instrument carries its yearly stamps: the newest valid, the older ones superseded.
STAMPS_PER_INSTRUMENT = 4
BATCH = 20_000
SAMPLE_CODES = 2000


def bare_app() -> FastAPI:
    """Return the baseline: a FastAPI app with one trivial JSON route."""
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


def drive(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a separate load-generator process."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=spec["seconds"] + 120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


# --- the server under test ----------------------------------------------------------------------


def free_port() -> int:
    """Return a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(factory: str, *, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run factory in one uvicorn worker on loopback; yield its port once it answers."""
    port = free_port()
    flags = ["--host", "127.0.0.1", "--workers", "1", "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port), *flags],
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server {factory} did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- the data -----------------------------------------------------------------------------------


def valid_until(year: int) -> date:
    """Return the valid-until of an instrument's stamp number year: only the last is current."""
    return date.today() + timedelta(days=200 - 365 * (STAMPS_PER_INSTRUMENT - 1 - year))


def _base_rows(engine: Engine) -> tuple[int, int]:
    # One province, one market and one owner: the page shows their names for every stamp.
    prepare_database(engine)
    with new_session(engine) as session:
        unit = create_unit(
            session, AdminUnitCreate(code="99", name="Tỉnh thử", level=UnitLevel.PROVINCE)
        )
        site = Site(kind=SiteKind.MARKET, name="Chợ thử", unit_id=unit.id or 0)
        owner = Owner(kind=OwnerKind.HOUSEHOLD, name="Nguyễn Văn A", trade_name="Sạp cân A")
        session.add_all([site, owner])
        session.commit()
        return site.id or 0, owner.id or 0


def _rows(
    n: int, site_id: int, owner_id: int, start: int, ring: KeyRing
) -> Iterator[tuple[str, list[Any]]]:
    now = datetime.now(UTC)
    for first in range(start, start + n, BATCH):
        ids = range(first, min(first + BATCH, start + n))
        instruments = [
            {"id": i, "identity_key": f"scale_counter|bench|{i}", "type_code": "scale_counter",
             "serial": f"B{i:07d}", "manufacturer": "Bench", "owner_id": owner_id,
             "site_id": site_id, "role": "trade", "status": "in_service", "seal_number": f"S{i}",
             "due_date": valid_until(STAMPS_PER_INSTRUMENT - 1), "created_at": now,
             "updated_at": now}
            for i in ids
        ]  # fmt: skip
        yield "instrument", instruments
        for year in range(STAMPS_PER_INSTRUMENT):
            last = year == STAMPS_PER_INSTRUMENT - 1
            until = valid_until(year)
            on = until - timedelta(days=365)
            sid = [(i - 1) * STAMPS_PER_INSTRUMENT + year + 1 for i in ids]
            yield "verification", [
                {"id": s, "instrument_id": i, "kind": "periodic", "verifier": "bench",
                 "procedure": "ĐLVN 13", "result": "pass", "valid_until": until,
                 "verified_on": on, "notes": "", "created_at": now}
                for s, i in zip(sid, ids, strict=True)
            ]  # fmt: skip
            yield "stamp", [
                {"id": s, "serial": f"YB-{on.year % 100}-{s:07d}", "serial_year": on.year,
                 "serial_seq": s, "instrument_id": i, "verification_id": s, "key_id": 1,
                 "valid_until": until, "seal_number": f"S{i}",
                 "status": "valid" if last else "superseded", "revoke_note": "",
                 "issued_at": now, "updated_at": now,
                 # Kept at issue, as the service does (migration 0701).
                 "signature": ring.sign(pack_fields(TokenFields(1, s, i, until)))}
                for s, i in zip(sid, ids, strict=True)
            ]  # fmt: skip


def seed(engine: Engine, *, stamps: int, keys: Path) -> tuple[list[str], float]:
    """Insert the stamps; return a sample of their signed codes and the seconds it took."""
    start = time.perf_counter()
    site_id, owner_id = _base_rows(engine)
    tables = {"instrument": Instrument, "verification": Verification, "stamp": Stamp}
    instruments = stamps // STAMPS_PER_INSTRUMENT
    ring = KeyRing(directory=keys)
    ring.load()
    with engine.begin() as conn:
        for name, rows in _rows(instruments, site_id, owner_id, 1, ring):
            conn.execute(insert(tables[name]), rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    # Random valid codes: each sampled instrument's current stamp.
    sample = random.Random(7).sample(range(1, instruments + 1), min(SAMPLE_CODES, instruments))
    last = STAMPS_PER_INSTRUMENT - 1
    codes = [
        code_for(ring, TokenFields(1, i * STAMPS_PER_INSTRUMENT, i, valid_until(last)))
        for i in sample
    ]
    return codes, time.perf_counter() - start


@contextmanager
def databases(workdir: Path, *, postgres: bool) -> Iterator[list[tuple[str, str, Engine]]]:
    """Yield (name, URL, engine) of a fresh SQLite file and, if reachable, a private PG schema."""
    url = f"sqlite:///{workdir / 'bench.db'}"
    found = [("sqlite", url, build_engine(url))]
    pg_url = os.environ.get("METROLOGY_BENCH_DATABASE_URL") or os.environ.get(
        "METROLOGY_TEST_DATABASE_URL", ""
    )
    admin = build_engine(pg_url) if postgres and pg_url else None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    if admin is not None and database_ready(admin):
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        private = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        private_url = private.render_as_string(hide_password=False)
        found.append(("postgresql", private_url, build_engine(private_url)))
    try:
        yield found
    finally:
        for _name, _url, engine in found:
            engine.dispose()
        if admin is not None and len(found) > 1:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        if admin is not None:
            admin.dispose()


# --- the run ------------------------------------------------------------------------------------


def run_backend(name: str, url: str, engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    """Seed one database, serve it, and measure both routes at the top rate and at the target."""
    keys = Path(args.workdir) / f"keys-{name}"
    codes, seed_s = seed(engine, stamps=args.stamps, keys=keys)
    env = {
        "METROLOGY_DATABASE_URL": url,
        "METROLOGY_STAMP_KEY_DIR": str(keys),
        # The per-client limit would stop one loopback client long before the server.
        "METROLOGY_STAMP_VERIFY_RATE_PER_S": "1000000000",
        "METROLOGY_STAMP_VERIFY_BURST": "1000000000",
    }
    routes = {
        "page": [f"/v/{code}" for code in codes],
        "api": [f"/api/v1/stamps/verify?code={code}" for code in codes],
    }
    out: dict[str, Any] = {"stamps": args.stamps, "seed_seconds": round(seed_s, 1)}
    # Served as `metrology-svc api` serves it (app_for_serving: create_app, then the start-up
    # heap frozen out of the garbage collector's reach); its access log is INFO and the worker
    # logs at WARNING, as the baseline does.
    with server("metrology_svc.cli.serve_cmd:app_for_serving", env=env) as port:
        drive({"mode": "closed", "port": port, "paths": routes["page"], "seconds": 1.0})
        # For comparison: the service's own /healthz (a sync route behind the same middleware).
        out["healthz_top"] = drive(
            {"mode": "closed", "port": port, "paths": ["/healthz"], "seconds": args.seconds}
        )
        for route, paths in routes.items():
            spec = {"port": port, "paths": paths, "seconds": args.seconds}
            out[route] = {
                "top": drive({**spec, "mode": "closed"}),
                "at_rate": drive({**spec, "mode": "open", "rate": args.rate}),
            }
    return out


def report(name: str, result: dict[str, Any], bare_rate: float, rate: float) -> None:
    """Print one backend's figures and add its targets to result."""
    print(f"{name}: {result['stamps']:,} stamps seeded in {result['seed_seconds']} s; "
          f"the service's /healthz: top {result['healthz_top']['rate']:,.0f} req/s")  # fmt: skip
    for route in ("page", "api"):
        top, at = result[route]["top"], result[route]["at_rate"]
        share = top["rate"] / bare_rate if bare_rate else 0.0
        result[route]["share_of_bare"] = round(share, 3)
        result[route]["targets"] = {
            "p99_le_50ms_at_1000_rps": at["p99_ms"] is not None
            and at["p99_ms"] <= TARGET_P99_MS
            and at["achieved_rate"] >= 0.98 * rate
            and at["errors"] == 0,
            "share_ge_40pct": share >= TARGET_SHARE,
        }
        print(f"  {route:4}: top {top['rate']:,.0f} req/s ({share:.0%} of bare, {top['errors']} "
              f"errors); at {rate:,.0f} req/s: achieved {at['achieved_rate']:,.0f}, "
              f"p50 {at['p50_ms']} ms, p99 {at['p99_ms']} ms, max {at['max_ms']} ms, "
              f"{at['errors']} errors")  # fmt: skip


def bare_rate(args: argparse.Namespace) -> dict[str, Any]:
    """Measure the bare FastAPI route's top rate, served and driven like the service."""
    with server("bench.verify:bare_app") as port:
        spec = {"mode": "closed", "port": port, "paths": ["/ping"], "seconds": args.seconds}
        drive({**spec, "seconds": 1.0})
        return drive(spec)


def main() -> None:
    """Run the phases and print the figures, then one line of JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100,000 stamps, 2 s phases")
    parser.add_argument("--stamps", type=int, default=0, help="stamps in each database")
    parser.add_argument("--seconds", type=float, default=0.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="open-loop requests/s")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    args.stamps = args.stamps or (100_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    out: dict[str, Any] = {"bench": "verify", "rate": args.rate, "load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as workdir:
        args.workdir = workdir
        # The baseline runs before and after each backend, and the fastest run counts: on a
        # shared machine a busy moment during one baseline run must not make the target easier.
        runs = [bare_rate(args)]
        with databases(Path(workdir), postgres=not args.no_postgres) as found:
            for name, url, engine in found:
                out[name] = run_backend(name, url, engine, args)
                runs.append(bare_rate(args))
        bare = max(run["rate"] for run in runs)
        out["baseline"] = {"bare_route": {"rate": bare, "runs": runs}}
        listed = ", ".join(f"{run['rate']:,.0f}" for run in runs)
        print(f"baseline: bare FastAPI route, one worker: {bare:,.0f} req/s (fastest of {listed})")
        for name in ("sqlite", "postgresql"):
            if name in out:
                report(name, out[name], bare, args.rate)
    out["targets_met"] = all(
        met for name in ("sqlite", "postgresql") if name in out
        for route in ("page", "api") for met in out[name][route]["targets"].values()
    )  # fmt: skip
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    main()
