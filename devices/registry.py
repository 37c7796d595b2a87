"""The device registry: control scales' MQTT identities, credentials, broker files and liveness."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlmodel import Session

from devices import broker_auth
from devices.protocol import is_device_id
from metrology_svc.core.errors import Conflict, Invalid, NotFound
from metrology_svc.instruments.models import InstrumentRole, InstrumentStatus
from metrology_svc.instruments.service import record_event
from metrology_svc.readings.models import DEVICE_MQTT, DEVICE_PAPER_LOG, PAPER_LOG_PREFIX, Device
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.sites.models import SiteKind
from metrology_svc.sites.repository import SiteRepository


@dataclass(frozen=True, slots=True)
class IssuedDevice:
    """A new device and its password, which is shown once and never stored."""

    device: Device
    password: str


def _control_instrument(session: Session, instrument_id: int) -> tuple[int, int]:
    instrument = ReadingRepository(session).instruments([instrument_id]).get(instrument_id)
    if instrument is None:
        raise NotFound(
            f"No instrument {instrument_id}.",
            message_vi=f"Không có phương tiện đo {instrument_id}.",
            loc=["instrument_id"],
        )
    if instrument.role != InstrumentRole.CONTROL or instrument.status == InstrumentStatus.RETIRED:
        raise Invalid(
            "A device must be bound to a control scale (role 'control') in use.",
            message_vi="Thiết bị phải gắn với một cân đối chứng (vai trò 'control') đang dùng.",
            loc=["instrument_id"],
        )
    found = SiteRepository(session).get_with_unit(instrument.site_id)
    if found is None or found[0].kind != SiteKind.MARKET:
        raise Invalid(
            "A control scale's site must be a market.",
            message_vi="Cân đối chứng phải đặt tại một chợ.",
            loc=["instrument_id"],
        )
    return instrument_id, instrument.site_id


def add_device(
    session: Session, *, instrument_id: int, device_id: str | None = None, kind: str = DEVICE_MQTT
) -> IssuedDevice:
    """Register a device for a market's control scale; the caller commits and shows the password.

    `kind` DEVICE_PAPER_LOG registers the carrier of a market board's paper log (its id starts
    with PAPER_LOG_PREFIX, which no connected device may use): it gets no broker account.
    """
    instrument_id, site_id = _control_instrument(session, instrument_id)
    device_id = device_id or f"cs-{secrets.token_hex(5)}"
    if not is_device_id(device_id):
        raise Invalid(
            "A device id is 3–64 characters of a–z, 0–9 and '-'.",
            message_vi="Mã thiết bị gồm 3–64 ký tự a–z, 0–9 và '-'.",
            loc=["device_id"],
        )
    if broker_auth.is_service_name(device_id):
        # The broker takes the client id from the username: a device named like a service
        # account could one day share its session (see devices/broker_auth.py).
        reserved = ", ".join(f"{p}…" for p in broker_auth.SERVICE_PREFIXES)
        raise Invalid(
            f"Device ids starting with {reserved} are reserved for the service's own accounts.",
            message_vi=f"Mã thiết bị bắt đầu bằng {reserved} dành cho tài khoản của hệ thống.",
            loc=["device_id"],
        )
    if device_id.startswith(PAPER_LOG_PREFIX) != (kind == DEVICE_PAPER_LOG):
        raise Invalid(
            f"Device ids starting with {PAPER_LOG_PREFIX} are reserved for paper logs.",
            message_vi=f"Mã thiết bị bắt đầu bằng {PAPER_LOG_PREFIX} dành cho sổ ghi tay.",
            loc=["device_id"],
        )
    repo = ReadingRepository(session)
    if repo.device(device_id) is not None:
        raise Conflict(
            f"Device {device_id} exists.", message_vi=f"Đã có thiết bị {device_id}.", loc=["id"]
        )
    password = secrets.token_urlsafe(18)
    device = Device(
        id=device_id,
        instrument_id=instrument_id,
        site_id=site_id,
        credential_hash=broker_auth.hash_password(device_id, password),
        kind=kind,
        # Trust belongs to the control scale: a device added to a distrusted scale is
        # distrusted from its first reading, not only after its first batch.
        untrusted_since=repo.scale_untrusted_since(instrument_id),
    )
    repo.add(device)
    record_event(
        session,
        instrument_id=instrument_id,
        kind="device_added",
        actor=None,
        detail={"device_id": device_id},
    )
    session.flush()
    return IssuedDevice(device=device, password=password)


def service_account(mqtt_url: str) -> tuple[str, str] | None:
    """Return the ingest's (username, password) from the MQTT URL, if it carries them."""
    parts = urlsplit(mqtt_url)
    if not parts.username:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def service_accounts(mqtt_urls: Sequence[str]) -> list[tuple[str, str]]:
    """Return the distinct (username, password) of the URLs that carry one, in order.

    Each ingest of a share group needs an account of its own: the broker makes the username the
    client id, so two ingests on one account would throw each other off. The same account given
    twice is kept once; one name with two passwords is refused.
    """
    found: dict[str, str] = {}
    for url in mqtt_urls:
        account = service_account(url)
        if account is None:
            continue
        name, password = account
        if found.setdefault(name, password) != password:
            raise Conflict(
                f"The ingest account {name} is given with two passwords.",
                message_vi=f"Tài khoản ingest {name} được khai với hai mật khẩu khác nhau.",
            )
    return list(found.items())


def broker_users(
    session: Session, *, mqtt_url: str, service_urls: Sequence[str] = ()
) -> list[broker_auth.BrokerUser]:
    """Return every broker account: the ingests' (from the URLs) and each active device.

    `mqtt_url` is this process's own METROLOGY_MQTT_URL; `service_urls` are the URLs of the other
    ingests of a share group, each with its own username.
    """
    users = [
        broker_auth.BrokerUser(
            username=name,
            credential_hash=broker_auth.hash_password(name, password),
            is_service=True,
        )
        for name, password in service_accounts([mqtt_url, *service_urls])
    ]
    users += [
        broker_auth.BrokerUser(username=d.id, credential_hash=d.credential_hash)
        for d in ReadingRepository(session).all_devices()
    ]
    return users


def write_broker_auth(
    session: Session, *, directory: Path, mqtt_url: str, service_urls: Sequence[str] = ()
) -> tuple[Path, Path]:
    """Write the broker's password and ACL files for every device and every ingest account.

    Refuses (Conflict, nothing written) when a device id is also a service account's name or a
    service account lies outside the reserved prefixes: the broker would let one pass for the
    other.
    """
    users = broker_users(session, mqtt_url=mqtt_url, service_urls=service_urls)
    try:
        return broker_auth.write_files(directory, users)
    except broker_auth.AccountError as exc:
        raise Conflict(
            f"Broker accounts refused: {exc}. Rename the ingest account (it must start with "
            f"{' or '.join(broker_auth.SERVICE_PREFIXES)}) or retire the device.",
            message_vi=f"Không ghi tài khoản broker: {exc}. Đổi tên tài khoản ingest (phải bắt "
            f"đầu bằng {' hoặc '.join(broker_auth.SERVICE_PREFIXES)}) hoặc ngừng dùng thiết bị.",
        ) from exc


def sweep_offline(session: Session, *, now: datetime, silence_minutes: int) -> list[Device]:
    """Mark devices silent for longer than the limit offline; return those newly offline."""
    silent = ReadingRepository(session).silent_devices(now - timedelta(minutes=silence_minutes))
    for device in silent:
        device.offline = True
        record_event(
            session,
            instrument_id=device.instrument_id,
            kind="device_offline",
            actor=None,
            detail={"device_id": device.id, "last_received_at": str(device.last_received_at)},
        )
    return silent
