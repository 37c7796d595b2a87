"""Record a market board's log lines as consumer checks, through the ingest's own store_batch.

Each control scale a board logs for gets a device of its own, "log-<instrument id>" of kind
"paper_log", registered the way an office registers one (devices.registry.add_device) but with
no broker account, and left out of device lists, the dashboard and the report's counts. A line
becomes the protocol's consumer-check message, parsed by the protocol's parser and handed to
devices.store.store_batch as a retained message (stored, but no sign of life: the device is
never swept offline). So the rulebook in force, binding or
reference, the scale's trust, seller statistics and inspection requests judge a paper line
exactly as they judge a networked one; afterwards the reading is marked source "manual".
Nothing here commits: the request owns the unit of work.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from sqlmodel import Session

from devices import protocol
from devices.registry import add_device
from devices.store import Incoming, store_batch
from metrology_svc.audit.service import Entry, audit, audit_many
from metrology_svc.auth.models import Role, UserSite
from metrology_svc.auth.principal import Principal
from metrology_svc.control_logs import rules
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.control_logs.repository import ControlLogRepository
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Forbidden, Invalid, NotFound
from metrology_svc.instruments.models import Instrument
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import DEVICE_PAPER_LOG, PAPER_LOG_PREFIX, Reading
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.sites.repository import SiteRepository

BOOT = "paper-log"  # the boot id of every manual message; the entry's id is its sequence
MANUAL = "manual"


def log_device_id(instrument_id: int) -> str:
    """Return the id of the device that carries a control scale's paper log."""
    return f"{PAPER_LOG_PREFIX}{instrument_id}"


def _refuse_site() -> Forbidden:
    return Forbidden(
        "This market's log is kept by another market board.",
        message_vi="Sổ cân đối chứng của chợ này do ban quản lý chợ khác ghi.",
    )


def market(session: Session, site_id: int) -> Site:
    """Return a market, or raise NotFound (a fuel station keeps no control-scale log)."""
    found = SiteRepository(session).get_with_unit(site_id)
    if found is None or found[0].kind != SiteKind.MARKET:
        raise NotFound(f"No market {site_id}.", message_vi=f"Không có chợ {site_id}.")
    return found[0]


def require_writer(session: Session, user: Principal, site_id: int) -> Site:
    """Return the market if the user is a board that keeps its log; else refuse."""
    site = market(session, site_id)
    if user.role is not Role.MARKET_BOARD:
        raise Forbidden(
            "Only the market's board writes its control-scale log.",
            message_vi="Chỉ ban quản lý chợ được ghi sổ cân đối chứng của chợ.",
        )
    if site_id not in ControlLogRepository(session).board_site_ids(user.user_id):
        raise _refuse_site()
    return site


def require_reader(session: Session, user: Principal, site_id: int) -> Site:
    """Return the market if the user may read its log: its board, or staff covering its unit."""
    found = SiteRepository(session).get_with_unit(site_id)
    if found is None or found[0].kind != SiteKind.MARKET:
        raise NotFound(f"No market {site_id}.", message_vi=f"Không có chợ {site_id}.")
    site, unit = found
    if user.role is Role.MARKET_BOARD:
        if site_id not in ControlLogRepository(session).board_site_ids(user.user_id):
            raise _refuse_site()
        return site
    user.require_staff()  # an owner portal account reads no log
    user.require_read(unit.path)  # admins and viewers everywhere, inspectors in their units
    return site


def set_up_at(scale: Instrument) -> datetime:
    """Return when a control scale was set up: registered, or verified before that."""
    if scale.last_verified_on is None:
        return _aware(scale.created_at)
    verified = datetime.combine(scale.last_verified_on, time(), tzinfo=UTC)
    return min(_aware(scale.created_at), verified)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def scale_of(session: Session, site_id: int, scale_id: int) -> Instrument:
    """Return a control scale of the market, or raise Invalid on the scale field."""
    for scale in ControlLogRepository(session).control_scales(site_id):
        if scale.id == scale_id:
            return scale
    raise Invalid(
        f"Instrument {scale_id} is not a control scale in use at this market.",
        message_vi=f"Phương tiện {scale_id} không phải cân đối chứng đang dùng tại chợ này.",
        loc=["body", "scale_id"],
    )


@dataclass(frozen=True, slots=True)
class Pending:
    """A checked line ready to store, with where it came from."""

    line: rules.LineIn
    channel: str  # "form" | "import"
    file_name: str | None = None
    file_row: int | None = None


@dataclass
class Recorded:
    """What recording some lines did: entries stored, lines already stored, requests opened."""

    entries: list[ControlLogEntry] = field(default_factory=list)
    duplicates: list[Pending] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)


def _device_for(session: Session, scale_id: int) -> str:
    device_id = log_device_id(scale_id)
    device = ReadingRepository(session).device(device_id)
    if device is None:
        add_device(session, instrument_id=scale_id, device_id=device_id, kind=DEVICE_PAPER_LOG)
    elif (
        device.instrument_id != scale_id
        or device.retired_at is not None
        or device.kind != DEVICE_PAPER_LOG
    ):
        raise Conflict(
            f"Device {device_id} is not this control scale's log.",
            message_vi=f"Thiết bị {device_id} không phải sổ của cân đối chứng này.",
        )
    return device_id


def _incoming(device_id: str, entry: ControlLogEntry, line: rules.LineIn) -> Incoming:
    message = protocol.Reading(
        boot=BOOT,
        seq=entry.id or 0,
        measured_at=line.measured_at,
        mass_g=line.measured_g,
        stable=True,  # a settled indication: the board writes what the scale came to rest at
        check=protocol.ConsumerCheck(
            seller=protocol.SellerRef("stall", line.seller),
            declared_g=line.declared_g,
            category=rules.category_of(line.goods),
        ),
    )
    topic = protocol.topic(device_id, "reading")
    payload = protocol.encode(message)
    parsed = protocol.parse(topic, payload, now=entry.entered_at)
    if isinstance(parsed, protocol.Rejection):  # the checks above should have caught it
        raise Invalid(parsed.reason, message_vi=parsed.reason_vi, loc=["body"])
    return Incoming(topic, payload, parsed, entry.entered_at, retained=True)


def record(
    session: Session,
    user: Principal,
    *,
    site_id: int,
    lines: Sequence[Pending],
    settings: Settings,
) -> Recorded:
    """Store new lines of a market's log as manual consumer checks; skip those stored before."""
    require_writer(session, user, site_id)
    repo = ControlLogRepository(session)
    now = utcnow()
    out = Recorded()
    keyed = [(rules.identity(site_id, p.line), p) for p in lines]
    known = repo.known_identities([k for k, _ in keyed])
    fresh: list[tuple[ControlLogEntry, Pending]] = []
    for key, pending in keyed:
        if key in known:
            out.duplicates.append(pending)
            continue
        known.add(key)
        line = pending.line
        entry = ControlLogEntry(
            site_id=site_id,
            instrument_id=line.scale_id,
            measured_at=line.measured_at,
            seller=line.seller,
            goods=line.goods,
            declared_g=float(line.declared_g),
            measured_g=float(line.measured_g),
            note=line.note,
            channel=pending.channel,
            file_name=pending.file_name,
            file_row=pending.file_row,
            entered_by=user.user_id,
            entered_at=now,
            identity=key,
        )
        repo.add(entry)
        fresh.append((entry, pending))
    if not fresh:
        return out
    session.flush()  # the entries' ids are the messages' sequence numbers
    devices = {p.line.scale_id: _device_for(session, p.line.scale_id) for _, p in fresh}
    items = [_incoming(devices[p.line.scale_id], e, p.line) for e, p in fresh]
    outcome = store_batch(session, items, IngestRules.from_database(session, settings))
    for entry, pending in fresh:
        reading = repo.reading(devices[pending.line.scale_id], BOOT, entry.id or 0)
        if reading is None:
            raise Conflict(
                "The log line could not be stored as a reading.",
                message_vi="Không lưu được dòng sổ thành lần cân.",
            )
        reading.source = MANUAL
        entry.reading_id = reading.id
        out.entries.append(entry)
    out.requests = outcome.requests
    session.flush()
    audit_many(session, actor=user, entries=[_entry(e) for e in out.entries])
    return out


_AUDITED = {
    "site_id",
    "instrument_id",
    "measured_at",
    "seller",
    "goods",
    "declared_g",
    "measured_g",
    "note",
    "channel",
    "file_name",
    "file_row",
    "reading_id",
}


def _entry(entry: ControlLogEntry) -> Entry:
    """Return the audit entry of one stored line (an import's row names its file and row)."""
    detail = entry.model_dump(include=_AUDITED)
    return Entry("control_log.entry", "control_log_entry", entry.id, detail)


def checked(session: Session, *, site_id: int, line: rules.LineIn) -> rules.LineIn:
    """Return the line if it may be stored; else raise Invalid naming the first bad field."""
    scale = scale_of(session, site_id, line.scale_id)
    found = rules.problems(line, set_up_at=set_up_at(scale), now=utcnow())
    if found:
        first = found[0]
        raise Invalid(
            first.en,
            message_vi=first.vi,
            loc=["body", first.field],
            details=[{"loc": ["body", p.field], "msg": p.en, "msg_vi": p.vi} for p in found[1:]],
        )
    return line


def link_board(session: Session, user: Principal, *, board_id: int, site_id: int) -> UserSite:
    """Let a market board account keep a market's log (admin only); the caller commits."""
    user.require_admin()
    market(session, site_id)
    repo = ControlLogRepository(session)
    board = repo.user(board_id)
    if board is None or board.role != Role.MARKET_BOARD:
        raise Invalid(
            f"User {board_id} is not a market board account.",
            message_vi=f"Người dùng {board_id} không phải tài khoản ban quản lý chợ.",
            loc=["path", "user_id"],
        )
    link = repo.link(board_id, site_id)
    if link is None:
        link = UserSite(user_id=board_id, site_id=site_id)
        repo.add(link)
        session.flush()
        _audit_link(session, user, "link", board_id=board_id, site_id=site_id)
    return link


def _audit_link(
    session: Session, user: Principal, what: str, *, board_id: int, site_id: int
) -> None:
    audit(
        session,
        actor=user,
        action=f"control_log.board_{what}",
        entity="app_user",
        entity_id=board_id,
        detail={"site_id": site_id},
    )


def unlink_board(session: Session, user: Principal, *, board_id: int, site_id: int) -> None:
    """Take a market from a board account (admin only); its entries stay."""
    user.require_admin()
    repo = ControlLogRepository(session)
    link = repo.link(board_id, site_id)
    if link is None:
        raise NotFound(
            f"User {board_id} does not keep market {site_id}'s log.",
            message_vi=f"Người dùng {board_id} không ghi sổ của chợ {site_id}.",
        )
    repo.remove(link)
    session.flush()
    _audit_link(session, user, "unlink", board_id=board_id, site_id=site_id)


def entries(
    session: Session, user: Principal, *, site_id: int, limit: int
) -> list[tuple[ControlLogEntry, Reading | None]]:
    """Return a market's newest log entries with their judged readings, for a reader."""
    require_reader(session, user, site_id)
    return ControlLogRepository(session).entries(site_id, limit=limit)
