"""Notice rules that need the database: render, deliver one attempt, acknowledge, enqueue."""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import and_, literal
from sqlmodel import Session, col, select

from metrology_svc.audit.service import audit
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.core.issuer import IssuingBody, place_of
from metrology_svc.core.keyfiles import read_or_create
from metrology_svc.core.observability import NOTICE_DELIVERIES
from metrology_svc.documents.rules import Language
from metrology_svc.documents.service import number_for
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.notices import addressing
from metrology_svc.notices.channels.letter import (
    DOC_TYPE as LETTER_DOC_TYPE,
)
from metrology_svc.notices.channels.letter import (
    LetterContent,
    inspector_recipients,
    owner_copies,
)
from metrology_svc.notices.channels.send import send
from metrology_svc.notices.links import ACK_PAGE_PREFIX, notice_of_link
from metrology_svc.notices.models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeKind,
    NoticePreference,
    RecipientRole,
)
from metrology_svc.notices.repository import NoticeRepository, notice_select, open_notices
from metrology_svc.notices.rules import (
    delivery_key,
    link_token,
    retry_at,
)
from metrology_svc.notices.schemas import PreferenceIn
from metrology_svc.notices.secrets import secret_box, webhook_secret_of
from metrology_svc.notices.webhook_guard import check_webhook
from metrology_svc.owners.models import Owner
from metrology_svc.owners.service import require_owner_scope
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
    letter: LetterContent | None  # None when rendered for other channels only


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a notice is written to, as it was when the notice was made."""

    owner_id: int
    name: str
    address: str
    site_name: str


def recipient_of(session: Session, notice: Notice, *, site: Site | None = None) -> Recipient:
    """Return the recipient a notice keeps (its snapshot), never the instrument's owner now.

    A notice stored without a snapshot (made outside the INSERT … SELECT) falls back to the
    owner it names, which is still the owner at the time; the site to the instrument's now.
    """
    name, address, site_name = notice.recipient_name, notice.recipient_address, notice.site_name
    if not name:
        owner = session.get(Owner, notice.owner_id)
        name, address = (owner.name, owner.address) if owner else ("", "")
    if not site_name:
        instrument = session.get(Instrument, notice.instrument_id)
        here = site or (session.get(Site, instrument.site_id) if instrument else None)
        site_name = here.name if here else ""
    return Recipient(notice.owner_id, name, address, site_name)


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
    return read_or_create(settings.stamp_key_dir / "notice-link.key").encode()


def ack_url(settings: Settings, notice_id: int, *, now: datetime | None = None) -> str:
    """Return the short signed link that opens a notice's acknowledgement page."""
    valid_until = (now or utcnow()).date() + timedelta(days=settings.notice_ack_link_days)
    token = link_token(secret=link_secret(settings), notice_id=notice_id, valid_until=valid_until)
    return f"{settings.public_base_url.rstrip('/')}{ACK_PAGE_PREFIX}{token}"


def _context(
    notice: Notice,
    rows: tuple[Instrument, Site, InstrumentType],
    *,
    recipient: Recipient,
    issuer: IssuingBody,
    to_office: str,
    settings: Settings,
) -> dict[str, Any]:
    instrument, _site, itype = rows
    lang = notice.language if notice.language in ("vi", "en") else "vi"
    to_owner = notice.recipient_role != RecipientRole.INSPECTOR
    assert notice.id is not None
    equipment: dict[str, Any] = {
        "type_name": itype.name_vi if lang == "vi" else itype.name_en,
        "serial": instrument.serial,
        "manufacturer": instrument.manufacturer,
        "model": instrument.model,
    }
    issued = notice.created_at.date()
    # ISO under issued_on / due_date (the letter and the webhook's JSON read them as dates);
    # what people read says dd/mm/yyyy, as Vietnamese documents write dates.
    return {
        "language": lang,
        "kind": str(notice.kind),
        "number": notice.number,
        "issued_on": issued.isoformat(),
        "issued_on_text": display_date(issued),
        "issuer": issuer.name if lang == "vi" else issuer.name_en,
        "recipient": recipient.name if to_owner else to_office,
        "recipient_address": recipient.address if to_owner else "",
        "instrument": equipment,
        "site_name": recipient.site_name,
        "due_date": notice.due_date.isoformat(),
        "due_date_text": display_date(notice.due_date),
        "offset_days": notice.offset_days,
        "deadline": DEADLINES[lang].get(str(notice.kind), display_date(notice.due_date)),
        "ack_url": ack_url(settings, notice.id) if to_owner else "",
    }


def display_date(day: date) -> str:
    """Return a date as people read it in a notice: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _letter(
    session: Session,
    notice: Notice,
    context: dict[str, Any],
    issuer: IssuingBody,
    *,
    settings: Settings,
    units: dict[int, AdminUnit | None],
) -> LetterContent:
    """Build a notice's letter from the notice and its context, never from the e-mail text.

    A notice that goes by letter takes its register number on its first rendering and keeps
    it (a reprint shows the same number); any other is printed with the number left blank.
    """
    assert notice.id is not None
    lang: Language = "en" if context["language"] == "en" else "vi"
    equipment = context["instrument"]
    make = f"{equipment['manufacturer']} {equipment['model'] or ''}".strip()
    unit = addressing.unit(session, notice.unit_id, units) if notice.unit_id else None
    commune = place_of(unit.division_type, unit.name).full if unit else ""
    to_owner = notice.recipient_role != RecipientRole.INSPECTOR
    issued_on = notice.created_at.date()
    register_no = None
    if NoticeRepository(session).has_letter(notice.id):
        register_no = number_for(
            session,
            ref=f"notice:{notice.id}",
            issuer_code=issuer.name,
            year=issued_on.year,
            doc_type=LETTER_DOC_TYPE,
        )
    configured = (settings.document_signer_authority, settings.document_signer_position)
    # A notice to inspectors goes to the commune when it has officers, else to the province's
    # office: the letter then goes to its inspection team, never back to the office itself.
    office = issuer.name if issuer.level == "province" else issuer.reports_to
    return LetterContent(
        issuer=issuer,
        language=lang,
        kind=str(notice.kind),
        to_owner=to_owner,
        recipients=(context["recipient"],)
        if to_owner
        else inspector_recipients(commune, language=lang, team=context["recipient"] == office),
        recipient_address=context["recipient_address"] if to_owner else "",
        issued_on=issued_on,
        due_date=notice.due_date,
        register_no=register_no,
        issuer_abbreviation=settings.document_issuer_abbreviation or issuer.symbol,
        instrument=(equipment["type_name"], make, equipment["serial"], context["site_name"]),
        signer=tuple(line for line in configured if line) or issuer.signer,
        signer_name=settings.document_signer_name,
        # The commune gets a copy to act with the province's office (it is not its own copy).
        copies_to=owner_copies(commune, language=lang)
        if to_owner and issuer.level == "province"
        else (),
        archive=settings.document_archive,
        ack_url=context["ack_url"] if to_owner else "",
    )


def render(
    session: Session,
    notice: Notice,
    *,
    settings: Settings,
    letter: bool = True,
    units: dict[int, AdminUnit | None] | None = None,
) -> Rendered:
    """Render a notice in its language (Vietnamese or English) for every channel.

    `letter=False` leaves the printed letter out (for attempts on other channels: building it
    reads the letter register). `units` caches administrative units across the notices of one
    batch (SQLAlchemy's identity map keeps only what is referenced).
    """
    rows = session.exec(
        select(Instrument, Site, InstrumentType)
        .join(Site, col(Site.id) == Instrument.site_id)
        .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
        .where(Instrument.id == notice.instrument_id)
    ).one()
    units = {} if units is None else units
    unit = addressing.unit(session, rows[1].unit_id, units)  # the site's unit now
    assert unit is not None
    issuer, to_office = addressing.issuers(session, notice, unit, settings=settings, units=units)
    recipient = recipient_of(session, notice, site=rows[1])
    context = _context(
        notice, rows, recipient=recipient, issuer=issuer, to_office=to_office, settings=settings
    )
    text = _templates().get_template(f"notice.{context['language']}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    payload = {**context, "notice_id": notice.id, "instrument_id": notice.instrument_id}
    printed = (
        _letter(session, notice, context, issuer, settings=settings, units=units)
        if letter
        else None
    )
    return Rendered(notice, subject, body, payload, printed)


def letter_of(session: Session, notice: Notice, *, settings: Settings) -> LetterContent:
    """Return a notice's printable letter (its register number taken if it goes by letter)."""
    printed = render(session, notice, settings=settings).letter
    assert printed is not None  # render builds the letter unless told not to
    return printed


def _record_failure(
    repo: NoticeRepository,
    delivery: NoticeDelivery,
    error: str,
    *,
    now: datetime,
    settings: Settings,
) -> tuple[DeliveryStatus, str]:
    """Decide a failed attempt's status and error text; queue its retry or its fallback letter.

    The next attempt waits by the retry schedule from this attempt's own time. After the last
    attempt on e-mail, webhook or MQTT the notice falls back to a printed letter (unless it
    has one already): the unique attempt key makes a second fallback harmless.
    """
    next_at = retry_at(
        now=now,
        attempt=delivery.attempt,
        schedule_minutes=settings.notice_retry_schedule_minutes,
        jitter=settings.notice_retry_jitter,
        spread=random.uniform(-1.0, 1.0),  # noqa: S311 (jitter, not a secret)
    )
    if next_at is not None:
        repo.queue_attempt(
            notice_id=delivery.notice_id,
            channel=delivery.channel,
            destination=delivery.destination,
            attempt=delivery.attempt + 1,
            next_attempt_at=next_at,
            now=now,
        )
        return DeliveryStatus.FAILED, error
    notice = repo.get(delivery.notice_id)
    if delivery.channel is Channel.LETTER or notice is None or repo.has_letter(notice.id or 0):
        return DeliveryStatus.GIVEN_UP, error
    repo.queue_attempt(
        notice_id=delivery.notice_id,
        channel=Channel.LETTER,
        destination=notice.number,
        attempt=1,
        next_attempt_at=now,
        now=now,
    )
    return DeliveryStatus.GIVEN_UP, f"{error} | fallback: letter / chuyển sang gửi thư"[:1000]


def record_attempt(
    session: Session,
    delivery: NoticeDelivery,
    *,
    claimant: str | None,
    error: str | None,
    attempted_at: datetime,
    settings: Settings,
) -> DeliveryStatus | None:
    """Record an attempt's outcome while the claimant still holds it; None if it does not.

    A claim lost (its lease expired and another dispatcher took it) writes nothing: the
    holder's outcome is the one the ledger keeps.
    """
    repo = NoticeRepository(session)
    status, text = DeliveryStatus.SENT, None
    if error is not None:
        status, text = _record_failure(repo, delivery, error, now=attempted_at, settings=settings)
    assert delivery.id is not None
    kept = repo.finish_claimed(
        delivery_id=delivery.id,
        claimant=claimant,
        status=status,
        error=text,
        attempted_at=attempted_at,
    )
    if not kept:
        return None
    NOTICE_DELIVERIES.labels(channel=str(delivery.channel), outcome=status.value).inc()
    return status


def record_sent(
    session: Session, sent: list[tuple[NoticeDelivery, datetime]], *, claimant: str
) -> int:
    """Record attempts sent (with their times) that the claimant still holds; return how many."""
    kept = NoticeRepository(session).finish_sent(
        claimant=claimant, sent=[(d.id or 0, at) for d, at in sent]
    )
    by_channel: dict[str, int] = {}
    ids = set(kept)
    for delivery, _at in sent:
        if delivery.id in ids:
            by_channel[str(delivery.channel)] = by_channel.get(str(delivery.channel), 0) + 1
    for channel, count in by_channel.items():
        NOTICE_DELIVERIES.labels(channel=channel, outcome=DeliveryStatus.SENT.value).inc(count)
    return len(kept)


def failure_text(exc: BaseException) -> str:
    """Return how the ledger records a channel's exception (type and message, bounded)."""
    return f"{type(exc).__name__}: {exc}"[:900]


def deliver(
    session: Session, delivery: NoticeDelivery, *, now: datetime, settings: Settings
) -> DeliveryStatus:
    """Make one attempt in the caller's transaction, record it, queue a retry or a letter.

    For one-off callers: the dispatcher (notices.dispatch) claims, sends and records in
    separate transactions, so two of them never send the same attempt.
    """
    repo = NoticeRepository(session)
    notice = repo.get(delivery.notice_id)
    if notice is None:
        raise NotFound(f"Notice {delivery.notice_id} does not exist.", loc=["notice_id"])
    pref = repo.preference(notice.owner_id)
    key = delivery_key(
        notice_id=delivery.notice_id,
        channel=delivery.channel.value,
        destination=delivery.destination,
    )
    error: str | None = None
    try:
        rendered = render(session, notice, settings=settings)
        send(
            delivery.channel,
            delivery.destination,
            rendered,
            settings=settings,
            secret=webhook_secret_of(pref, settings),
            key=key,
        )
    except Exception as exc:  # any channel failure is recorded, never raised into the job
        error = failure_text(exc)
    status = record_attempt(
        session,
        delivery,
        claimant=delivery.claimed_by,
        error=error,
        attempted_at=now,
        settings=settings,
    )
    session.flush()
    if delivery in session:
        session.expire(delivery)
    return status or DeliveryStatus.PENDING


def acknowledge(session: Session, *, token: str, now: datetime, settings: Settings) -> Notice:
    """Mark the notice a signed link names as acknowledged (the first time counts).

    Only a POST may call this: a GET of the link (a mail scanner's too) shows a page.
    """
    notice = notice_of_link(
        session,
        secret=link_secret(settings),
        token=token,
        today=now.date(),
        link_days=settings.notice_ack_link_days,
    )
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
    office_email: str = "",
) -> int:
    """Create one notice (if its key is new) and queue its deliveries; return notices created.

    Other packages call this for their events (lost stamp, suspect seller, control scale);
    the unique key (instrument, due date, kind, offset) makes a repeated call harmless, and
    queues what the notice still lacks (its recipients are chosen by its key, not by the
    moment it was made). Nobody set up to receive it: the office's fallback (`office_email`,
    or a printed letter when empty).
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
    this = and_(
        col(Notice.instrument_id) == instrument_id,
        col(Notice.due_date) == due,
        col(Notice.kind) == kind.value,
        col(Notice.offset_days) == offset_days,
    )
    repo.queue_owner_deliveries(now=now, among=this, office_email=office_email)
    repo.queue_inspector_deliveries(now=now, among=this, office_email=office_email)
    return created


def get_notice(session: Session, user: Principal, notice_id: int) -> Notice:
    """Return a notice the user may read: staff by its instrument's unit, an owner account
    only a notice made to its owner (the snapshot's owner, not the instrument's owner now)."""
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
    if user.role is not Role.OWNER:
        user.require_instrument(path=path, owner_id=instrument.owner_id)
        return NoticeRepository(session).for_instrument(instrument_id)
    # An owner account sees the notices made to its owner, whoever holds the instrument now:
    # an earlier owner keeps its notices, a later one gets none from before the transfer.
    mine = NoticeRepository(session).for_instrument(instrument_id, owner_id=user.owner_id or 0)
    if not mine:
        user.require_instrument(path=path, owner_id=instrument.owner_id)
    return mine


def set_preference(
    session: Session,
    user: Principal,
    *,
    owner_id: int,
    data: PreferenceIn,
    now: datetime,
    settings: Settings,
) -> NoticePreference:
    """Store an owner's channels (replacing what was there); at least one must be named.

    An inspector may set them only for an owner whose instruments all lie in their units.
    A webhook secret is stored sealed (core.secret_box). The owner's open notices
    (settings.notice_requeue_days) are queued at once to the channels they have not been
    sent to.
    """
    user.require_write()
    if not (data.email or data.webhook_url or data.mqtt_topic or data.letter):
        # An owner with no channel would hear nothing (measured: `{}` was stored, then
        # every notice to that owner was lost).
        raise Invalid(
            "Name at least one channel: email, webhook_url, mqtt_topic or letter.",
            message_vi="Phải khai báo ít nhất một kênh nhận: e-mail, webhook, MQTT hoặc thư.",
            loc=["body"],
        )
    if session.get(Owner, owner_id) is None:
        raise NotFound(
            f"Owner {owner_id} does not exist.",
            message_vi=f"Không có chủ phương tiện {owner_id}.",
            loc=["path", "owner_id"],
        )
    # Channels are owner-wide (every notice of the owner follows them): within scope only.
    require_owner_scope(session, user, owner_id)
    pref = NoticeRepository(session).preference(owner_id) or NoticePreference(owner_id=owner_id)
    url, secret = str(data.webhook_url) if data.webhook_url else None, data.webhook_secret
    check_webhook(
        url=url,
        secret=secret or pref.webhook_secret,
        allow_networks=settings.notice_webhook_allow_networks,
    )
    pref.email = data.email or None
    pref.webhook_url = str(data.webhook_url) if data.webhook_url else None
    if data.webhook_secret:
        pref.webhook_secret = secret_box(settings).seal(data.webhook_secret)
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
    _queue_open_of_owner(session, owner_id=owner_id, now=now, settings=settings)
    return pref


def _queue_open_of_owner(
    session: Session, *, owner_id: int, now: datetime, settings: Settings
) -> int:
    """Queue an owner's open notices to the channels they have not been sent to yet."""
    session.flush()  # the INSERT … SELECT reads the new preference row from the database
    since = now - timedelta(days=settings.notice_requeue_days)
    among = and_(open_notices(since=since, today=now.date()), col(Notice.owner_id) == owner_id)
    return NoticeRepository(session).queue_owner_deliveries(
        now=now, among=among, office_email=settings.notice_office_email
    )


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
