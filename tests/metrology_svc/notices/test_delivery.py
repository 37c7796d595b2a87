"""Delivery through the outbox: retries with backoff, give-up, every channel, crash safety."""

import hashlib
import hmac
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlmodel import Session, col, select

from metrology_svc.documents.models import DocumentEntry
from metrology_svc.notices.channels.send import letters_dir
from metrology_svc.notices.models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticePreference,
)
from metrology_svc.settings import Settings
from schedules.due_scan import run_due_scan
from schedules.jobs import dispatch_job
from tests.factories import World
from tests.metrology_svc.notices.conftest import Hook, SmtpServer
from tests.mqtt_broker import MosquittoBroker
from tests.schedules.support import FakeClock, add_instrument
from tests.services import missing

DUE = date(2027, 3, 31)
SUB_ONCE = ["-C", "1", "-W", "10"]  # one message, at most 10 s
Sessions = Callable[[], Session]


def recall_for(db: Session, world: World, settings: Settings, *, owner_id: int) -> FakeClock:
    """Register an overdue scale of the owner and run the scan that creates its recall."""
    add_instrument(db, world, serial="D-1", due_date=DUE, owner_id=owner_id)
    clock = FakeClock(DUE + timedelta(days=1))
    run_due_scan(db, now=clock(), settings=settings)
    db.commit()
    return clock


def ledger(db: Session) -> list[NoticeDelivery]:
    db.expire_all()
    return list(db.exec(select(NoticeDelivery).order_by(col(NoticeDelivery.id))))


def prefer(db: Session, owner_id: int, **channels: object) -> None:
    db.add(NoticePreference(owner_id=owner_id, **channels))  # type: ignore[arg-type]
    db.commit()


def test_smtp_down_then_up_is_retried_and_delivered(
    db: Session, world: World, settings: Settings, sessions: Sessions, smtp: SmtpServer
) -> None:
    settings = settings.model_copy(update={"smtp_port": smtp.port, "channel_timeout_s": 2})
    clock = recall_for(db, world, settings, owner_id=world.owner_en)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"failed": 1}
    smtp.start()
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {}  # not yet due
    clock.advance(minutes=settings.notice_retry_schedule_minutes[0] * 1.2 + 0.1)  # + jitter
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    rows = ledger(db)
    assert [(d.attempt, d.status, d.error is not None) for d in rows] == [
        (1, DeliveryStatus.FAILED, True),
        (2, DeliveryStatus.SENT, False),
    ]
    [(_sender, recipients, content)] = smtp.mailbox.messages
    assert recipients == ["ops@example.com"]
    text = content.decode()
    assert "NOT TO BE USED IN TRADE" in text  # the owner writes English
    assert f"{settings.public_base_url}/xn/" in text  # the short link to the page


def test_webhook_500_then_200_is_signed_and_retried(
    db: Session,
    world: World,
    settings: Settings,
    sessions: Sessions,
    webhook: Callable[[list[int]], Hook],
) -> None:
    hook = webhook([500, 200])
    secret = "s3cret-s3cret-s3cret"
    prefer(db, world.owner_vi, webhook_url=hook.url, webhook_secret=secret)
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"failed": 1}
    clock.advance(minutes=settings.notice_retry_schedule_minutes[0] * 1.2 + 0.1)  # + jitter
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    assert [d.status for d in ledger(db)] == [DeliveryStatus.FAILED, DeliveryStatus.SENT]
    assert "500" in (ledger(db)[0].error or "")
    headers, body = hook.requests[-1]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-metrology-signature"] == expected
    payload = json.loads(body)
    assert (payload["kind"], payload["language"]) == ("overdue_recall", "vi")


def test_webhook_gives_up_on_its_schedule_then_the_notice_falls_back_to_a_letter(
    db: Session,
    world: World,
    settings: Settings,
    sessions: Sessions,
    webhook: Callable[[list[int]], Hook],
) -> None:
    settings = settings.model_copy(
        update={
            "notice_retry_schedule_minutes": [1, 2],
            "notice_retry_jitter": 0,
            "notice_webhook_allow_networks": ["127.0.0.1/32"],
        }
    )
    hook = webhook([503])
    prefer(db, world.owner_vi, webhook_url=hook.url, webhook_secret="x" * 16)
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)
    for _ in range(5):
        dispatch_job(sessions=sessions, settings=settings, clock=clock)
        clock.advance(hours=1)
    rows = ledger(db)
    hooks = [d for d in rows if d.channel is Channel.WEBHOOK]
    assert [d.status for d in hooks] == [
        DeliveryStatus.FAILED,
        DeliveryStatus.FAILED,
        DeliveryStatus.GIVEN_UP,
    ]
    waits = [b.next_attempt_at - (a.attempted_at or a.next_attempt_at) for a, b in pairwise(hooks)]
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert "fallback: letter" in (hooks[-1].error or "")
    assert len(hook.requests) == 3
    [letter] = [d for d in rows if d.channel is Channel.LETTER]
    assert (letter.status, letter.attempt) == (DeliveryStatus.SENT, 1)


def test_mqtt_notice_reaches_the_site_display(
    db: Session, world: World, settings: Settings, sessions: Sessions, mosquitto: MosquittoBroker
) -> None:
    if shutil.which("mosquitto_sub") is None:
        missing("mosquitto_sub is not installed (Debian package mosquitto-clients)")
    settings = settings.model_copy(update={"mqtt_url": mosquitto.url})
    topic = "sites/cho-ky-anh/display"
    prefer(db, world.owner_vi, mqtt_topic=topic)
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    received = subprocess.run(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(mosquitto.port), "-t", topic, *SUB_ONCE],
        capture_output=True,
        check=True,
        timeout=20,
    )
    payload = json.loads(received.stdout)
    notice = db.exec(select(Notice)).one()
    assert payload["number"] == notice.number
    assert payload["kind"] == "overdue_recall"


def test_letter_renders_vietnamese_administrative_form(
    db: Session, world: World, settings: Settings, sessions: Sessions
) -> None:
    if shutil.which("pdftotext") is None:
        missing("pdftotext is not installed (Debian package poppler-utils)")
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)  # no e-mail: a letter
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    notice = db.exec(select(Notice)).one()
    # The number the register kept for this notice (the dispatcher committed it).
    entry = db.exec(select(DocumentEntry).where(DocumentEntry.ref == f"notice:{notice.id}")).one()
    pdf = letters_dir(settings) / f"{notice.number}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=30
    ).stdout.decode()
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {entry.number}/TB-SKHCN",
        "Kính gửi: Nguyễn Thị Hoa",
        "23/2013/TT-BKHCN",
        "07/2019/TT-BKHCN",
        "03/2024/TT-BKHCN",
        "THÔNG BÁO",
        "không được sử dụng trong mua bán",
        "Thời hạn thực hiện: ngừng sử dụng trong mua bán",
        "Chợ Kỳ Anh",
    ]:
        assert expected in text
    assert "THU HỒI" not in text  # an office cannot recall a private scale


class Crash(BaseException):
    """Stands for the process dying while it sends."""


def test_a_crash_between_creating_and_sending_loses_nothing(
    db: Session,
    world: World,
    settings: Settings,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = recall_for(db, world, settings, owner_id=world.owner_vi)

    def die(*_args: object, **_kwargs: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr("metrology_svc.notices.dispatch.send", die)
        with pytest.raises(Crash):
            dispatch_job(sessions=sessions, settings=settings, clock=clock)
    [pending] = ledger(db)
    assert (pending.status, pending.attempted_at) == (DeliveryStatus.PENDING, None)
    assert pending.claimed_by is not None  # claimed (and committed) before the send
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {}  # its lease holds
    clock.advance(seconds=settings.notice_claim_lease_seconds + 1)
    assert dispatch_job(sessions=sessions, settings=settings, clock=clock) == {"sent": 1}
    assert [d.status for d in ledger(db)] == [DeliveryStatus.SENT]
