"""Notice rules that need the database: render, deliver one attempt, acknowledge, enqueue."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import literal
from sqlmodel import Session, col, select

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.core.issuer import IssuingBody
from metrology_svc.core.observability import NOTICE_DELIVERIES
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.notices import addressing
from metrology_svc.notices.channels.letter import LetterContent
from metrology_svc.notices.channels.send import send
from metrology_svc.notices.models import (
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeKind,
    NoticePreference,
    RecipientRole,
)
from metrology_svc.notices.repository import NoticeRepository, notice_select
from metrology_svc.notices.rules import ack_token, notice_id_from_token, retry_at
from metrology_svc.notices.schemas import PreferenceIn
from metrology_svc.owners.models import Owner
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit

TEMPLATE_DIR = Path(__file__).parent / "templates"
DEADLINES = {
    "vi": {"overdue_recall": "ngừng sử dụng ngay", "failed_verification": "ngừng sử dụng ngay"},
    "en": {"overdue_recall": "stop using it now", "failed_verification": "stop using it now"},
}


@dataclass(frozen=True)
class Rendered:
    """A notice rendered in its language for every channel."""

    notice: Notice
    subject: str
    body: str
    payload: dict[str, Any]
    letter: LetterContent


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        # Plain-text templates: the PDF and JSON channels escape on their own.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def link_secret(settings: Settings) -> bytes:
    """Return the key that signs acknowledgement links (a key file is created on first use)."""
    if settings.notice_link_secret:
        return settings.notice_link_secret.encode()
    path = settings.stamp_key_dir / "notice-link.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def ack_url(settings: Settings, notice_id: int) -> str:
    """Return the signed link an owner opens to acknowledge a notice."""
    token = ack_token(secret=link_secret(settings), notice_id=notice_id)
    return f"{settings.public_base_url.rstrip('/')}/api/v1/notices/ack?token={token}"


def _context(
    notice: Notice,
    rows: tuple[Instrument, Owner, Site, InstrumentType],
    *,
    issuer: IssuingBody,
    to_office: str,
    settings: Settings,
) -> dict[str, Any]:
    instrument, owner, site, itype = rows
    lang = notice.language if notice.language in ("vi", "en") else "vi"
    to_owner = notice.recipient_role != RecipientRole.INSPECTOR
    assert notice.id is not None
    equipment: dict[str, Any] = {
        "type_name": itype.name_vi if lang == "vi" else itype.name_en,
        "serial": instrument.serial,
        "manufacturer": instrument.manufacturer,
        "model": instrument.model,
    }
    return {
        "language": lang,
        "kind": str(notice.kind),
        "number": notice.number,
        "issued_on": notice.created_at.date().isoformat(),
        "issuer": issuer.name if lang == "vi" else issuer.name_en,
        "recipient": owner.name if to_owner else to_office,
        "recipient_address": owner.address if to_owner else "",
        "instrument": equipment,
        "site_name": site.name,
        "due_date": notice.due_date.isoformat(),
        "offset_days": notice.offset_days,
        "deadline": DEADLINES[lang].get(str(notice.kind), notice.due_date.isoformat()),
        "ack_url": ack_url(settings, notice.id) if to_owner else "",
    }


def _letter(context: dict[str, Any], subject: str, body: str, issuer: IssuingBody) -> LetterContent:
    equipment = context["instrument"]
    make = f"{equipment['manufacturer']} {equipment['model'] or ''}".strip()
    return LetterContent(
        issuer=issuer,
        number=context["number"],
        issued_on=date.fromisoformat(context["issued_on"]),
        recipient=context["recipient"],
        recipient_address=context["recipient_address"],
        subject=subject,
        paragraphs=[p for p in body.split("\n") if p.strip()],
        instruments=[(equipment["type_name"], make, equipment["serial"], context["site_name"])],
        deadline=context["deadline"],
    )


def render(session: Session, notice: Notice, *, settings: Settings) -> Rendered:
    """Render a notice in its language (Vietnamese or English) for every channel."""
    rows = session.exec(
        select(Instrument, Owner, Site, InstrumentType)
        .join(Owner, col(Owner.id) == Instrument.owner_id)
        .join(Site, col(Site.id) == Instrument.site_id)
        .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
        .where(Instrument.id == notice.instrument_id)
    ).one()
    # The site's unit now (a handful of units: the session keeps each after the first read).
    unit = session.get(AdminUnit, rows[2].unit_id)
    assert unit is not None
    issuer, to_office = addressing.issuers(session, notice, unit, settings=settings)
    context = _context(notice, rows, issuer=issuer, to_office=to_office, settings=settings)
    text = _templates().get_template(f"notice.{context['language']}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    payload = {**context, "notice_id": notice.id, "instrument_id": notice.instrument_id}
    return Rendered(notice, subject, body, payload, _letter(context, subject, body, issuer))


def _record_failure(
    repo: NoticeRepository,
    delivery: NoticeDelivery,
    exc: Exception,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    delivery.error = f"{type(exc).__name__}: {exc}"[:1000]
    last = delivery.attempt >= settings.notice_max_attempts
    delivery.status = DeliveryStatus.GIVEN_UP if last else DeliveryStatus.FAILED
    if last:
        return
    wait_from = retry_at(
        now=now, attempt=delivery.attempt, base_seconds=settings.notice_retry_base_seconds
    )
    repo.add(
        NoticeDelivery(
            notice_id=delivery.notice_id,
            channel=delivery.channel,
            destination=delivery.destination,
            attempt=delivery.attempt + 1,
            next_attempt_at=wait_from,
            created_at=now,
        )
    )


def deliver(
    session: Session, delivery: NoticeDelivery, *, now: datetime, settings: Settings
) -> DeliveryStatus:
    """Make one delivery attempt, record it, and queue the next one after a failure."""
    repo = NoticeRepository(session)
    notice = repo.get(delivery.notice_id)
    if notice is None:
        raise NotFound(f"Notice {delivery.notice_id} does not exist.", loc=["notice_id"])
    pref = repo.preference(notice.owner_id)
    secret = (pref.webhook_secret or "") if pref else ""
    delivery.attempted_at = now
    try:
        send(
            delivery.channel,
            delivery.destination,
            render(session, notice, settings=settings),
            settings=settings,
            secret=secret,
        )
    except Exception as exc:  # any channel failure is recorded, never raised into the job
        _record_failure(repo, delivery, exc, now=now, settings=settings)
    else:
        delivery.status = DeliveryStatus.SENT
    session.add(delivery)
    session.flush()
    NOTICE_DELIVERIES.labels(channel=str(delivery.channel), outcome=delivery.status.value).inc()
    return delivery.status


def acknowledge(session: Session, *, token: str, now: datetime, settings: Settings) -> Notice:
    """Mark the notice a signed link names as acknowledged (the first time counts)."""
    notice_id = notice_id_from_token(secret=link_secret(settings), token=token)
    if notice_id is None:
        raise Invalid(
            "This acknowledgement link is not valid.",
            message_vi="Đường dẫn xác nhận không hợp lệ.",
            loc=["query", "token"],
        )
    notice = NoticeRepository(session).get(notice_id)
    if notice is None:
        raise NotFound("This notice does not exist.", message_vi="Không có thông báo này.")
    if notice.acknowledged_at is None:
        notice.acknowledged_at = now
        session.add(notice)
        session.flush()
        audit(
            session,
            actor="owner (signed link)",
            action="notice.acknowledge",
            entity="notice",
            entity_id=notice.id,
            detail={"number": notice.number, "instrument_id": notice.instrument_id},
        )
    return notice


def enqueue(
    session: Session,
    *,
    kind: NoticeKind,
    instrument_id: int,
    due_date: date,
    now: datetime,
    offset_days: int = 0,
) -> int:
    """Create one notice (if its key is new) and queue its deliveries; return notices created.

    Other packages call this for their events (lost stamp, suspect seller, control scale);
    the unique key (instrument, due date, kind, offset) makes a repeated call harmless.
    """
    repo = NoticeRepository(session)
    due = literal(due_date, Notice.__table__.c.due_date.type)  # type: ignore[attr-defined]
    stmt = (
        notice_select(kind, due, offset_days, Owner.language, now)
        .join(Owner, col(Owner.id) == Instrument.owner_id)
        .where(col(Instrument.id) == instrument_id)
    )
    created = repo.insert_notices(stmt)
    if created:  # the notice is about the instrument; its id is not known without a lookup
        audit(
            session,
            actor=None,
            action="notice.create",
            entity="instrument",
            entity_id=instrument_id,
            detail={"kind": kind, "due_date": due_date, "offset_days": offset_days},
        )
    repo.queue_owner_deliveries(created_at=now, now=now)
    repo.queue_inspector_deliveries(created_at=now, now=now)
    return created


def get_notice(session: Session, user: Principal, notice_id: int) -> Notice:
    """Return a notice the user may read."""
    notice = NoticeRepository(session).get(notice_id)
    if notice is None:
        raise NotFound(
            f"Notice {notice_id} does not exist.",
            message_vi=f"Không có thông báo {notice_id}.",
            loc=["path", "notice_id"],
        )
    path = InstrumentRepository(session).unit_path_of(notice.instrument_id) or ""
    user.require_instrument(path=path, owner_id=notice.owner_id)
    return notice


def notices_of_instrument(session: Session, user: Principal, instrument_id: int) -> list[Notice]:
    """Return the notices about an instrument the user may read."""
    repo = InstrumentRepository(session)
    path, instrument = repo.unit_path_of(instrument_id), repo.get(instrument_id)
    if path is None or instrument is None:
        raise NotFound(
            f"Instrument {instrument_id} does not exist.",
            message_vi=f"Không có phương tiện đo {instrument_id}.",
            loc=["query", "instrument_id"],
        )
    user.require_instrument(path=path, owner_id=instrument.owner_id)
    return NoticeRepository(session).for_instrument(instrument_id)


def set_preference(
    session: Session, user: Principal, *, owner_id: int, data: PreferenceIn, now: datetime
) -> NoticePreference:
    """Store an owner's channels (replacing what was there)."""
    user.require_write()
    if session.get(Owner, owner_id) is None:
        raise NotFound(
            f"Owner {owner_id} does not exist.",
            message_vi=f"Không có chủ phương tiện {owner_id}.",
            loc=["path", "owner_id"],
        )
    pref = NoticeRepository(session).preference(owner_id) or NoticePreference(owner_id=owner_id)
    pref.email = data.email or None
    pref.webhook_url = str(data.webhook_url) if data.webhook_url else None
    pref.webhook_secret = data.webhook_secret or pref.webhook_secret
    pref.mqtt_topic = data.mqtt_topic or None
    pref.letter = data.letter
    pref.updated_at = now
    NoticeRepository(session).add(pref)
    audit(
        session,
        actor=user,
        action="notice.preferences",
        entity="owner",
        entity_id=owner_id,
        detail={
            "email": pref.email,
            "webhook_url": pref.webhook_url,
            "mqtt_topic": pref.mqtt_topic,
            "letter": pref.letter,
        },
    )
    return pref


def resend(session: Session, user: Principal, notice_id: int, *, now: datetime) -> int:
    """Queue a new attempt for every channel whose last attempt failed; return how many.

    A channel still waiting (pending) or already sent is left alone, so pressing the button
    twice queues nothing more; the dispatcher picks the new attempts up on its next round.
    """
    notice = get_notice(session, user, notice_id)
    user.require_write(InstrumentRepository(session).unit_path_of(notice.instrument_id))
    repo = NoticeRepository(session)
    last: dict[tuple[str, str], NoticeDelivery] = {}
    for delivery in repo.deliveries(notice_id):
        key = (str(delivery.channel), delivery.destination)
        if key not in last or delivery.attempt > last[key].attempt:
            last[key] = delivery
    queued = 0
    for delivery in last.values():
        if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.GIVEN_UP):
            continue
        repo.add(
            NoticeDelivery(
                notice_id=notice_id,
                channel=delivery.channel,
                destination=delivery.destination,
                attempt=delivery.attempt + 1,
                next_attempt_at=now,
                created_at=now,
            )
        )
        queued += 1
    if queued:
        audit(
            session,
            actor=user,
            action="notice.resend",
            entity="notice",
            entity_id=notice_id,
            detail={"number": notice.number, "queued": queued},
        )
    return queued
