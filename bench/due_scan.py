"""Due scan over 1,000,000 instruments with notice creation, on PostgreSQL.

`python -m bench.due_scan [--quick]` bulk-loads instruments (COPY) into a private schema, then
times the set-based scan (statuses + notices + outbox rows) against two baselines measured in
the same run: a bare `UPDATE … SET status` of the same rows, and a naive per-row Python loop
on a 10,000-row sample, extrapolated. Ends with one line of JSON.
"""

import argparse
import json
import os
import random
import resource
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.rules import status_for_due
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan

TARGET_S, TARGET_MB = 15.0, 500.0
SITES, OWNERS, SAMPLE = 400, 40_000, 10_000
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def rss_mb() -> float:
    """Return the peak resident set size of this process, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def private_engine(url: str) -> tuple[Engine, Engine, str]:
    """Create a private schema and return (admin engine, engine on the schema, schema)."""
    schema = f"bench_due_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = build_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return admin, build_engine(scoped.render_as_string(hide_password=False)), schema


SEED_SQL = [
    # Sites in ten 2025 communes of Hà Tĩnh (the 2025 list is loaded by prepare_database).
    "INSERT INTO site (id, kind, name, address, unit_id, created_at) SELECT g, 'market',"
    " 'Chợ số ' || g, '', (SELECT id FROM admin_unit WHERE scheme = '2025' AND level ="
    " 'commune' AND path LIKE '42/%' ORDER BY code OFFSET g % 10 LIMIT 1), now()"
    " FROM generate_series(1, :sites) g",
    "INSERT INTO app_user (id, name, email, role, disabled, created_at) SELECT g, 'KĐV ' || g,"
    " 'kdv' || g || '@tdc.example.vn', 'inspector', false, now() FROM generate_series(1, 8) g",
    # Officers of six of the ten communes; two of the province (who also hear from the rest).
    "INSERT INTO user_unit SELECT g, (SELECT id FROM admin_unit WHERE scheme = '2025' AND"
    " level = 'commune' AND path LIKE '42/%' ORDER BY code OFFSET g - 1 LIMIT 1)"
    " FROM generate_series(1, 6) g",
    "INSERT INTO user_unit SELECT g, (SELECT id FROM admin_unit WHERE scheme = '2025'"
    " AND code = '42') FROM generate_series(7, 8) g",
    # A third of the owners have an e-mail; one in ten writes English.
    "INSERT INTO owner (id, kind, name, language, address, email, created_at) SELECT g,"
    " 'household', 'Hộ kinh doanh ' || g, CASE WHEN g % 10 = 0 THEN 'en' ELSE 'vi' END, '',"
    " CASE WHEN g % 3 = 0 THEN 'ho' || g || '@example.vn' END, now()"
    " FROM generate_series(1, :owners) g",
    # One owner in 40 has a webhook, a site display topic and wants printed letters.
    "INSERT INTO notice_preference (owner_id, webhook_url, webhook_secret, mqtt_topic, letter,"
    " updated_at) SELECT g, 'https://hooks.example.vn/' || g, 'secret-' || g, 'sites/'"
    " || (g % 400) || '/display', true, now() FROM generate_series(1, :owners, 40) g",
]


def seed_places(session: Session) -> None:
    """Insert sites in ten 2025 communes of Hà Tĩnh, inspectors and owners."""
    for sql in SEED_SQL:
        session.execute(text(sql), {"sites": SITES, "owners": OWNERS})
    session.commit()


def instrument_rows(count: int, today: date) -> Iterator[tuple[Any, ...]]:
    """Yield instrument rows: due dates from 60 days ago to 640 days ahead, all in service."""
    rng = random.Random(42)
    stamp = NOW.isoformat()
    for i in range(count):
        due = today + timedelta(days=rng.randint(-60, 640))
        serial = f"BM-{i:07d}"
        yield (
            f"scale_spring_dial|nhơn hòa|{serial.casefold()}",
            loose_identity("scale_spring_dial", "Nhơn Hòa", serial),
            "scale_spring_dial",
            serial,
            "Nhơn Hòa",
            1 + rng.randrange(OWNERS),
            1 + rng.randrange(SITES),
            "trade",
            "in_service",
            due.isoformat(),
            stamp,
            stamp,
        )


def bulk_load(engine: Engine, count: int) -> float:
    """COPY the instruments in and ANALYZE; return seconds taken."""
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        conn: Any = raw.driver_connection
        columns = (
            "identity_key, loose_key, type_code, serial, manufacturer, owner_id, site_id, role,"
            " status, due_date, created_at, updated_at"
        )
        copy_sql = f"COPY instrument ({columns}) FROM STDIN"
        with conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for row in instrument_rows(count, NOW.date()):
                copy.write_row(row)
        conn.commit()
        with conn.cursor() as cur:
            # One instrument in 200 failed a verification last week: notices to inspectors.
            cur.execute("UPDATE instrument SET status = 'failed' WHERE id % 200 = 0")
            cur.execute(
                "INSERT INTO verification (instrument_id, kind, verified_on, verifier, procedure,"
                " result, notes, created_at) SELECT id, 'periodic', %s, 'KĐV', 'ĐLVN 30:2019',"
                " 'fail', '', now() FROM instrument WHERE status = 'failed'",
                (NOW.date() - timedelta(days=7),),
            )
            cur.execute("ANALYZE")
        conn.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def bare_update(engine: Engine) -> tuple[float, int]:
    """Baseline: one bare UPDATE … SET status of the rows the scan moves (rolled back)."""
    today, soon = NOW.date(), NOW.date() + timedelta(days=30)
    sql = text(
        "UPDATE instrument SET status = CASE WHEN due_date < :today THEN 'overdue' "
        "WHEN due_date <= :soon THEN 'due' ELSE 'in_service' END "
        "WHERE due_date IS NOT NULL AND status NOT IN ('failed', 'suspended', 'retired') "
        "AND status <> CASE WHEN due_date < :today THEN 'overdue' "
        "WHEN due_date <= :soon THEN 'due' ELSE 'in_service' END"
    )
    with engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(sql, {"today": today, "soon": soon}).rowcount
        elapsed = time.perf_counter() - started
        conn.rollback()
    return elapsed, rows


def _naive_row(session: Session, inst: Any) -> None:
    from sqlmodel import select

    from metrology_svc.notices.models import Channel, Notice, NoticeDelivery, NoticeKind
    from metrology_svc.notices.models import RecipientRole as Role

    status = status_for_due(due_date=inst.due_date, today=NOW.date(), due_soon_days=30)
    if status != inst.status:
        inst.status = status
        session.add(inst)
    if status.value not in ("overdue", "due") or inst.due_date is None:
        return
    kind = NoticeKind.OVERDUE_RECALL if status.value == "overdue" else NoticeKind.DUE_SOON
    key = (Notice.instrument_id == inst.id, Notice.due_date == inst.due_date, Notice.kind == kind)
    if session.exec(select(Notice.id).where(*key)).first() is not None:
        return
    notice = Notice(
        kind=kind,
        instrument_id=inst.id,
        owner_id=inst.owner_id,
        due_date=inst.due_date,
        recipient_role=Role.OWNER,
        number=f"TB-{inst.id}",
        created_at=NOW,
    )
    session.add(notice)
    session.flush()
    session.add(
        NoticeDelivery(
            notice_id=notice.id or 0,
            channel=Channel.LETTER,
            destination=notice.number,
            next_attempt_at=NOW,
        )
    )
    session.flush()


def naive_loop(engine: Engine, total: int) -> float:
    """Baseline: a per-row Python loop on a sample (status, notice, delivery), extrapolated."""
    from sqlmodel import col, select

    from metrology_svc.instruments.models import Instrument

    with new_session(engine) as session:
        started = time.perf_counter()
        rows = session.exec(select(Instrument).order_by(col(Instrument.id)).limit(SAMPLE)).all()
        for inst in rows:
            _naive_row(session, inst)
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed * total / len(rows)


def vacuum(engine: Engine) -> None:
    """VACUUM ANALYZE the tables the baselines touched."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE instrument, notice, notice_delivery"))


def counts(engine: Engine) -> tuple[int, int]:
    """Return how many notices and delivery rows exist."""
    with engine.connect() as conn:
        notices: int = conn.execute(text("SELECT count(*) FROM notice")).scalar_one()
        deliveries: int = conn.execute(text("SELECT count(*) FROM notice_delivery")).scalar_one()
    return int(notices), int(deliveries)


def timed_scan(engine: Engine, settings: Settings, now: datetime) -> tuple[float, dict[str, int]]:
    """Run the due scan in one transaction and commit; return seconds and its counts."""
    started = time.perf_counter()
    with new_session(engine) as session:
        result = run_due_scan(session, now=now, settings=settings)
        session.commit()
    return time.perf_counter() - started, result.as_dict()


def measure(engine: Engine, total: int) -> dict[str, Any]:
    """Load the data, run the baselines and the scans; return figures and baseline."""
    prepare_database(engine)
    with new_session(engine) as session:
        seed_places(session)
    load_s = bulk_load(engine, total)
    vacuum(engine)
    print(f"loaded {total:,} instruments in {load_s:.1f} s")
    bare_s, bare_rows = bare_update(engine)
    print(f"baseline bare UPDATE: {bare_rows:,} rows in {bare_s:.2f} s")
    naive_s = naive_loop(engine, total)
    print(f"baseline naive loop ({SAMPLE:,} sample) extrapolated: {naive_s:.1f} s")
    vacuum(engine)  # the rolled-back baselines left dead rows; autovacuum would clear them
    settings = Settings()
    scan_s, result = timed_scan(engine, settings, NOW)
    notices, deliveries = counts(engine)
    print(f"due scan: {scan_s:.2f} s, {result}")
    rerun_s, rerun = timed_scan(engine, settings, NOW + timedelta(minutes=5))
    print(f"rerun (nothing new): {rerun_s:.2f} s, {rerun}")
    day_s, day = timed_scan(engine, settings, NOW + timedelta(days=1))
    print(f"next day's scan: {day_s:.2f} s, {day}")
    figures = {
        "instruments": total,
        "load_s": round(load_s, 2),
        "scan_s": round(scan_s, 2),
        "statuses_moved": result["statuses_moved"],
        "notices": notices,
        "deliveries": deliveries,
        "rerun_s": round(rerun_s, 2),
        "rerun_created": sum(v for k, v in rerun.items() if k != "statuses_moved"),
        "next_day_s": round(day_s, 2),
        "next_day_notices": day["reminders"] + day["recalls"] + day["failed"],
    }
    baseline = {
        "bare_update_s": round(bare_s, 2),
        "naive_loop_s_extrapolated": round(naive_s, 1),
        "scan_over_bare_update": round(scan_s / bare_s, 2),
    }
    return {"figures": figures, "baseline": baseline}


def main() -> None:
    """Measure in a private schema, print figures and one line of JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 instruments")
    args = parser.parse_args()
    url = os.environ.get(
        "METROLOGY_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    admin, engine, schema = private_engine(url)
    try:
        out = measure(engine, 100_000 if args.quick else 1_000_000)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    peak = rss_mb()
    out["figures"]["peak_rss_mb"] = round(peak)
    scan_s = out["figures"]["scan_s"]
    print(f"peak RSS {peak:.0f} MB")
    out["targets"] = {
        "scan_le_15s": {"target_s": TARGET_S, "met": scan_s <= TARGET_S},
        "rss_le_500mb": {"target_mb": TARGET_MB, "met": peak <= TARGET_MB},
    }
    print(json.dumps({"bench": "due_scan", "quick": args.quick, **out}))


if __name__ == "__main__":
    main()
