"""Notice dispatch: the deliveries of a 1,000,000-instrument scan through local receivers.

`python -m bench.dispatch [--quick]` seeds a SQLite file with overdue instruments whose owners
take e-mail and a webhook, runs the due scan (156,000 deliveries, or 20,000 with --quick),
and times `dispatch_job` against an aiosmtpd sink and a webhook receiver (each in a process of
its own), beside a baseline measured in the same run: a bare smtplib loop on a sample,
extrapolated, with a connection per message and on one kept connection (the dispatcher keeps
its connections). A few owners' mail goes through
a hanging SMTP host (accepts TCP, never answers): the figures show when the other messages
were through and when the hanging ones gave up. Ends with one line of JSON.
"""

import argparse
import json
import multiprocessing as mp
import smtplib
import socket
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import col, func, select

from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import DeliveryStatus, Notice, NoticeDelivery, NoticePreference
from metrology_svc.notices.service import render
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.models import AdminUnit
from schedules.due_scan import run_due_scan
from schedules.jobs import dispatch_job

TARGET_PER_S = 1_000.0
NOW = datetime(2027, 4, 1, 1, 0, tzinfo=UTC)
DUE = date(2027, 3, 1)
OWNERS, HANGING_OWNERS, BASELINE_SAMPLE, RENDER_SAMPLE = 2_000, 5, 1_000, 500


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_sink(port: int, count: Any, last: Any, ready: Any) -> None:
    """Run an aiosmtpd sink counting messages (in its own process)."""
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with count.get_lock():
                count.value += 1
            last.value = time.monotonic()
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def webhook_sink(port: int, count: Any, last: Any, ready: Any) -> None:
    """Run a threading HTTP receiver answering 200 to every POST (in its own process)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            with count.get_lock():
                count.value += 1
            last.value = time.monotonic()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    ready.set()
    server.serve_forever()


def hanging_host() -> int:
    """Accept TCP connections on a port and never answer; return the port."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            conn, _ = server.accept()
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return int(server.getsockname()[1])


def seed(engine: Any, *, notices: int, hook_url: str) -> None:
    """Store owners with e-mail and webhook, and one overdue scale per notice."""
    with new_session(engine) as session:
        unit: int = session.execute(
            text("SELECT id FROM admin_unit WHERE level = 'commune' ORDER BY code LIMIT 1")
        ).scalar_one()
        site = Site(kind=SiteKind.MARKET, name="Chợ bench", address="", unit_id=unit)
        session.add(site)
        owners = [Owner(name=f"Hộ kinh doanh {i}", address="") for i in range(OWNERS)]
        session.add_all(owners)
        session.flush()
        for i, owner in enumerate(owners):
            domain = "slow.example.vn" if i < HANGING_OWNERS else "example.vn"
            session.add(
                NoticePreference(
                    owner_id=owner.id or 0,
                    email=f"ho{i}@{domain}",
                    webhook_url=hook_url,
                    webhook_secret=f"secret-{i:04d}-bench",
                )
            )
        session.flush()
        for n in range(notices):
            owner = owners[n % OWNERS]
            serial = f"B-{n:07d}"
            session.add(
                Instrument(
                    identity_key=f"scale_spring_dial|nhon hoa|{serial}",
                    loose_key=loose_identity("scale_spring_dial", "Nhơn Hòa", serial),
                    type_code="scale_spring_dial",
                    serial=serial,
                    manufacturer="Nhơn Hòa",
                    model="NHS-15",
                    owner_id=owner.id or 0,
                    site_id=site.id or 0,
                    due_date=DUE,
                )
            )
            if n % 5_000 == 4_999:
                session.flush()
        session.commit()


def bench_now() -> datetime:
    """Return the bench's fixed moment (the day after the due date)."""
    return NOW


def dispatcher_process(url: str, settings: Settings, name: str, out: Any) -> None:
    """Run one dispatch job in a process of its own and report its counts."""
    engine = build_engine(url)
    counts = dispatch_job(
        sessions=lambda: new_session(engine), settings=settings, clock=bench_now, claimant=name
    )
    engine.dispose()
    out.put(counts)


def reset_outbox(engine: Any) -> None:
    """Make every first attempt pending and unclaimed again; drop the retries."""
    with new_session(engine) as session:
        session.execute(text("DELETE FROM notice_delivery WHERE attempt > 1"))
        session.execute(
            text(
                "UPDATE notice_delivery SET status = 'pending', claimed_by = NULL,"
                " lease_until = NULL, attempted_at = NULL, error = NULL"
            )
        )
        session.commit()


def processes(url: str, settings: Settings, n: int) -> tuple[dict[str, int], float]:
    """Run n dispatcher processes at once on one outbox; return summed counts and seconds."""
    out: Any = mp.Queue()
    started = time.perf_counter()
    procs = [
        mp.Process(target=dispatcher_process, args=(url, settings, f"proc-{i}", out))
        for i in range(n)
    ]
    for proc in procs:
        proc.start()
    total: dict[str, int] = {}
    for _ in procs:
        for key, value in out.get(timeout=3600).items():
            total[key] = total.get(key, 0) + value
    for proc in procs:
        proc.join()
    return total, time.perf_counter() - started


def baseline(port: int, sample: int, *, kept: bool) -> float:
    """Return seconds per message of a bare smtplib loop (a connection per message, or one)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.vn", "c@d.vn", "baseline"
    message.set_content("Thông báo " * 40)
    started = time.perf_counter()
    if kept:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            for _ in range(sample):
                smtp.send_message(message)
    else:
        for _ in range(sample):
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.send_message(message)
    return (time.perf_counter() - started) / sample


def print_other_failures(engine: Any) -> None:
    """Print the failures other than the hanging host's (none expected), by error text."""
    with new_session(engine) as session:
        rows = session.exec(
            select(NoticeDelivery.channel, NoticeDelivery.error, func.count())
            .where(col(NoticeDelivery.status) != DeliveryStatus.SENT.value)
            .where(col(NoticeDelivery.attempt) == 1)
            .where(col(NoticeDelivery.destination).not_like("%@slow.example.vn"))
            .group_by(col(NoticeDelivery.channel), col(NoticeDelivery.error))
        ).all()
    for channel, error, count in rows:
        print(f"  not sent, other than the hanging host: {count} {channel} ({error})")


def measure(folder: Path, deliveries: int) -> dict[str, Any]:
    """Seed, scan, dispatch; return the figures."""
    smtp_port, hook_port = free_port(), free_port()
    counters = {k: (mp.Value("i", 0), mp.Value("d", 0.0)) for k in ("mail", "hook")}
    procs = []
    for target, port, key in ((smtp_sink, smtp_port, "mail"), (webhook_sink, hook_port, "hook")):
        ready = mp.Event()
        proc = mp.Process(target=target, args=(port, *counters[key], ready), daemon=True)
        proc.start()
        ready.wait(30)
        procs.append(proc)
    hang_port = hanging_host()
    settings = Settings(
        data_dir=folder,
        stamp_key_dir=folder / "keys",
        smtp_port=smtp_port,
        channel_timeout_s=5.0,
        notice_webhook_allow_networks=["127.0.0.1/32"],
        notice_smtp_routes={"slow.example.vn": f"127.0.0.1:{hang_port}"},
        notice_link_secret="bench-link-secret",  # noqa: S106 (a bench, not a secret)
    )
    engine = build_engine(f"sqlite:///{folder / 'bench.db'}")
    prepare_database(engine)
    t0 = time.perf_counter()
    seed(engine, notices=deliveries // 2, hook_url=f"http://127.0.0.1:{hook_port}/hook")
    with new_session(engine) as session:
        result = run_due_scan(session, now=NOW, settings=settings)
        session.commit()
        queued = session.exec(select(func.count()).select_from(NoticeDelivery)).one()
    print(f"seeded and scanned in {time.perf_counter() - t0:.1f} s: {queued:,} deliveries")
    print(f"scan: {result.as_dict()}")

    per_message = baseline(smtp_port, BASELINE_SAMPLE, kept=False)
    per_kept = baseline(smtp_port, BASELINE_SAMPLE, kept=True)
    with counters["mail"][0].get_lock():
        counters["mail"][0].value = 0
    base_rate, kept_rate = 1 / per_message, 1 / per_kept
    print(
        f"baseline bare smtplib loop ({BASELINE_SAMPLE:,} messages): {base_rate:,.0f} msg/s"
        f" with a connection per message ({queued * per_message:.1f} s extrapolated to"
        f" {queued:,}), {kept_rate:,.0f} msg/s on one kept connection"
        f" ({queued * per_kept:.1f} s)"
    )

    # How many messages arrive while the hanging host's first attempts wait out their timeout.
    during_hang: list[int] = []

    def sample_during_hang() -> None:
        time.sleep(settings.channel_timeout_s * 0.9)
        during_hang.append(counters["mail"][0].value + counters["hook"][0].value)

    sampler = threading.Thread(target=sample_during_hang, daemon=True)
    started, mono = time.perf_counter(), time.monotonic()
    sampler.start()
    counts = dispatch_job(
        sessions=lambda: new_session(engine), settings=settings, clock=lambda: NOW
    )
    elapsed = time.perf_counter() - started
    mail_n, hook_n = counters["mail"][0].value, counters["hook"][0].value
    others_done = max(counters["mail"][1].value, counters["hook"][1].value) - mono
    with new_session(engine) as session:
        hanging_failed = session.exec(
            select(func.max(NoticeDelivery.attempted_at), func.count())
            .where(col(NoticeDelivery.destination).like("%@slow.example.vn"))
            .where(col(NoticeDelivery.status) == DeliveryStatus.FAILED.value)
        ).one()
    sent = counts.get("sent", 0)
    rate = sent / elapsed
    print(f"dispatch: {counts} in {elapsed:.1f} s = {rate:,.0f} deliveries/s")
    print(
        f"received: {mail_n:,} e-mails, {hook_n:,} webhooks (each once: {mail_n + hook_n == sent})"
    )
    sampler.join()
    print(
        f"hanging host: {hanging_failed[1]} messages failed (timeout {settings.channel_timeout_s}"
        f" s, then fast); {during_hang[0]:,} other messages were received in the first"
        f" {settings.channel_timeout_s * 0.9:.1f} s, while its first attempts hung"
    )
    with new_session(engine) as session:
        # What rendering alone costs, as the claiming thread does it: once per notice, the
        # batch's units read once, the letter only for letter attempts (none here).
        sample = session.exec(select(Notice).limit(RENDER_SAMPLE)).all()
        units: dict[int, AdminUnit | None] = {}
        render_started = time.perf_counter()
        for notice in sample:
            render(session, notice, settings=settings, letter=False, units=units)
        render_ms = (time.perf_counter() - render_started) * 1000 / max(len(sample), 1)
    print(f"render alone: {render_ms:.2f} ms per notice ({len(sample)} notices)")
    # The same outbox again, by two dispatcher processes at once (claims keep it once each).
    reset_outbox(engine)
    for key in counters:
        counters[key][0].value = 0
    two, two_s = processes(f"sqlite:///{folder / 'bench.db'}", settings, 2)
    two_rate = two.get("sent", 0) / two_s
    received_two = counters["mail"][0].value + counters["hook"][0].value
    print(
        f"two dispatcher processes: {two} in {two_s:.1f} s = {two_rate:,.0f} deliveries/s;"
        f" received {received_two:,} (each once: {received_two == two.get('sent', 0)})"
    )
    print_other_failures(engine)
    for proc in procs:
        proc.terminate()
    engine.dispose()
    return {
        "figures": {
            "deliveries": queued,
            "sent": sent,
            "counts": counts,
            "dispatch_s": round(elapsed, 2),
            "deliveries_per_s": round(rate),
            "baseline_smtplib_msg_per_s": round(base_rate),
            "baseline_extrapolated_s": round(queued * per_message, 1),
            "baseline_kept_connection_msg_per_s": round(kept_rate),
            "received_mail": mail_n,
            "received_webhooks": hook_n,
            "hanging_failed": hanging_failed[1],
            "others_done_s": round(others_done, 2),
            "received_while_hanging": during_hang[0],
            "render_ms_per_notice": round(render_ms, 2),
            "two_processes_s": round(two_s, 2),
            "two_processes_per_s": round(two_rate),
            "two_processes_received": received_two,
        },
        "targets": {
            "per_s_ge_1000": {
                "target": TARGET_PER_S,
                "met": max(rate, two_rate) >= TARGET_PER_S,
            }
        },
    }


def main() -> None:
    """Measure in a temporary folder, print figures and one line of JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 deliveries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as folder:
        out = measure(Path(folder), 20_000 if args.quick else 156_000)
    print(json.dumps({"bench": "dispatch", "quick": args.quick, **out}))


if __name__ == "__main__":
    main()
