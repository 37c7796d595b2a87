"""The public check of a code, the scans it leaves, and the clone flags they raise."""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit, audit_many
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, DomainError, NotFound
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.stamps import rules, texts
from metrology_svc.stamps.keys import KeyRing
from metrology_svc.stamps.models import FlagKind, StampFlag
from metrology_svc.stamps.repository import StampRepository, StampView
from metrology_svc.stamps.rules import State
from metrology_svc.stamps.scanlog import ScanRecord
from metrology_svc.stamps.schemas import FlagPublic


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of checking a code: state, reason, and the stamp's view when one matched."""

    state: State
    reason: str | None = None
    view: StampView | None = None


def check_code(
    lookup: Callable[[int], StampView | None],
    ring: KeyRing,
    code: str,
    *,
    today: date,
    expiring_days: int,
) -> Check:
    """Decide what a code is: malformed, forged, unknown, or the state of the stamp it names.

    A code we issued is recognised without verifying its signature again: the stamp's row keeps
    the signature it was issued with, and Ed25519 signatures are deterministic, so a code whose
    signature equals the stored one and whose key, instrument and valid-until equal the row's
    is byte for byte the code we issued, which the public key would accept. That comparison
    (constant time) costs a microsecond where the verification costs about a hundred on the
    public hot path. Anything else (a different signature, a stamp issued before migration
    0701 without a stored one, an id we never issued) is verified with the public key as an
    offline app would. A key taken out of the ring makes its codes forged either way.
    """
    try:
        fields, payload, signature = rules.decode_code(code)
    except rules.MalformedCode:
        return Check(State.MALFORMED)
    if not ring.knows(fields.key_id):
        return Check(State.FORGED)
    view = lookup(fields.stamp_id)
    if not (_as_issued(view, fields, signature) or ring.verify(fields.key_id, payload, signature)):
        return Check(State.FORGED)
    if view is None:
        return Check(State.UNKNOWN)
    if (view.instrument_id, view.valid_until) != (fields.instrument_id, fields.valid_until):
        # Signed by our key yet unlike the record: treat as forged, never as valid.
        return Check(State.FORGED)
    state, reason = rules.public_state(
        stamp_status=view.status,
        revoke_reason=view.revoke_reason,
        instrument_status=view.instrument_status,
        valid_until=view.valid_until,
        today=today,
        expiring_days=expiring_days,
    )
    return Check(state, reason, view)


def _as_issued(view: StampView | None, fields: rules.TokenFields, signature: bytes) -> bool:
    """Tell whether the code carries exactly the signature and fields the stamp was issued with."""
    return (
        view is not None
        and view.signature is not None
        and hmac.compare_digest(bytes(view.signature), signature)
        and (view.key_id, view.instrument_id, view.valid_until)
        == (fields.key_id, fields.instrument_id, fields.valid_until)
    )


def owner_label(view: StampView) -> str | None:
    """Return the owner's trade name; a company's registered name is public, a person's is not."""
    if view.owner_trade_name:
        return view.owner_trade_name
    return view.owner_name if view.owner_kind == "company" else None


def to_result(check: Check) -> dict[str, Any]:
    """Return the public answer about a check as JSON-ready data (the shape of CheckResult).

    Plain dicts, not models: on the public hot path validation and serialisation of nested
    models cost more than the lookup itself; a test holds the shape to CheckResult.
    """
    title_vi, title_en, advice_vi, advice_en = texts.STATES[check.state]
    reason = texts.reason_text(check.reason)
    view = check.view
    return {
        "state": check.state.value,
        "title_vi": title_vi,
        "title_en": title_en,
        "advice_vi": advice_vi,
        "advice_en": advice_en,
        "reason": check.reason,
        "reason_vi": reason[0] if reason else None,
        "reason_en": reason[1] if reason else None,
        "stamp": None
        if view is None
        else {
            "serial": view.serial,
            "seal_number": view.seal_number,
            "verified_on": view.verified_on.isoformat(),
            "valid_until": view.valid_until.isoformat(),
        },
        "instrument": None
        if view is None
        else {
            "type_vi": view.type_name_vi,
            "type_en": view.type_name_en,
            "manufacturer": view.manufacturer,
            "model": view.model,
            "serial": view.instrument_serial,
            "site": view.site_name,
            "owner_trade_name": owner_label(view),
        },
    }


def scan_record(
    check: Check,
    *,
    code: str,
    channel: str,
    user_agent: str | None,
    host: str | None,
    latitude: float | None,
    longitude: float | None,
    staff: bool = False,
) -> ScanRecord:
    """Return the scan to log for a check: coarse client data, the raw code only if unmatched.

    `staff`: the scan came with a live token of an inspector or administrator; only such a
    scan's position can raise a far-from-site (clone) flag.
    """
    view = check.view
    return ScanRecord(
        at=utcnow(),
        outcome=str(check.state),
        channel=channel,
        stamp_id=view.stamp_id if view else None,
        code=None if view else code[: rules.CODE_LEN + 40],
        user_agent=rules.short_user_agent(user_agent),
        host=host or "",
        latitude=latitude,
        longitude=longitude,
        stamp_status=view.status if view else None,
        site_latitude=view.site_latitude if view else None,
        site_longitude=view.site_longitude if view else None,
        staff=staff,
    )


def _flag_kinds(record: ScanRecord, clone_km: float) -> list[tuple[FlagKind, float | None]]:
    kinds: list[tuple[FlagKind, float | None]] = []
    if record.stamp_status not in (None, "valid"):
        kinds.append((FlagKind.AFTER_REVOCATION, None))
    # A position anybody can type is no evidence: only an inspector's scan (signed in with a
    # token) can say a stamp was seen far from its site. Anonymous scans are logged, unflagged.
    where = (record.latitude, record.longitude, record.site_latitude, record.site_longitude)
    if record.staff and None not in where:
        lat, lon, site_lat, site_lon = (float(v or 0.0) for v in where)
        km = rules.distance_km(lat, lon, site_lat, site_lon)
        if km > clone_km:
            kinds.append((FlagKind.FAR_FROM_SITE, round(km, 1)))
    return kinds


def _scan_row(r: ScanRecord) -> dict[str, object]:
    return {
        "at": r.at,
        "stamp_id": r.stamp_id,
        "code": r.code,
        "outcome": r.outcome,
        "channel": r.channel,
        "user_agent": r.user_agent,
        "network": rules.coarse_network(r.host),  # the address itself is never stored
        "latitude": r.latitude,
        "longitude": r.longitude,
    }


def _raise_flag(
    repo: StampRepository, record: ScanRecord, scan_id: int, kind: FlagKind, km: float | None
) -> StampFlag | None:
    """Raise a new flag (returned) or count the scan on the open one (None)."""
    assert record.stamp_id is not None
    flag = repo.open_flag(record.stamp_id, kind)
    if flag is None:
        flag = StampFlag(
            stamp_id=record.stamp_id,
            kind=kind,
            first_scan_id=scan_id,
            last_scan_id=scan_id,
            distance_km=km,
            raised_at=record.at,
            last_seen_at=record.at,
        )
        repo.add(flag)
        return flag
    flag.scans, flag.last_scan_id, flag.last_seen_at = flag.scans + 1, scan_id, record.at
    if km is not None:
        flag.distance_km = max(km, flag.distance_km or 0.0)
    repo.session.flush()
    return None


def write_scans(session: Session, records: list[ScanRecord], *, clone_km: float) -> None:
    """Insert a batch of scans and raise or update the flags they call for."""
    repo = StampRepository(session)
    plain: list[dict[str, object]] = []
    flagged: list[tuple[ScanRecord, list[tuple[FlagKind, float | None]]]] = []
    for record in records:
        kinds = _flag_kinds(record, clone_km) if record.stamp_id is not None else []
        if kinds:
            flagged.append((record, kinds))
        else:
            plain.append(_scan_row(record))
    # Most scans raise nothing: one executemany, no ids needed. The few that flag need theirs.
    repo.insert_scans(plain)
    raised: list[StampFlag] = []
    for record, kinds in flagged:
        scan_id = repo.insert_scan(_scan_row(record))
        for kind, km in kinds:
            if (flag := _raise_flag(repo, record, scan_id, kind, km)) is not None:
                raised.append(flag)
    # A new flag is a change of the record (a count on an open one is not): one entry each.
    entries = [Entry("stamp_flag.raise", "stamp_flag", f.id, _flag_detail(f)) for f in raised]
    audit_many(session, actor=None, entries=entries)


def _flag_detail(flag: StampFlag) -> dict[str, Any]:
    return {
        "stamp_id": flag.stamp_id,
        "kind": flag.kind,
        "scan_id": flag.first_scan_id,
        "distance_km": flag.distance_km,
    }


_FLAG_FIELDS = tuple(
    n for n in FlagPublic.model_fields if n not in ("stamp_serial", "instrument_id")
)


def flag_public(flag: StampFlag, serial: str, instrument_id: int) -> FlagPublic:
    """Return the API shape of a flag with its stamp's serial and instrument."""
    return FlagPublic.model_validate(
        {
            **{name: getattr(flag, name) for name in _FLAG_FIELDS},
            "stamp_serial": serial,
            "instrument_id": instrument_id,
        }
    )


def list_flags(
    session: Session, user: Principal, *, include_resolved: bool, limit: int
) -> list[tuple[StampFlag, str, int]]:
    """Return flags the user may see, with each stamp's serial and instrument."""
    paths = None if user.sees_everything else user.unit_paths
    rows = StampRepository(session).flags(
        visible_paths=paths, include_resolved=include_resolved, limit=limit
    )
    return [(flag, stamp.serial, stamp.instrument_id) for flag, stamp in rows]


def resolve_flag(session: Session, user: Principal, flag_id: int) -> StampFlag:
    """Close a flag after inspection; the caller commits."""
    repo = StampRepository(session)
    flag = repo.get_flag(flag_id)
    stamp = repo.get(flag.stamp_id) if flag else None
    if flag is None or stamp is None:
        raise NotFound(f"No flag {flag_id}.", message_vi=f"Không có cảnh báo {flag_id}.")
    user.require_write(InstrumentRepository(session).unit_path_of(stamp.instrument_id))
    if flag.resolved_at is not None:
        raise Conflict("The flag is already resolved.", message_vi="Cảnh báo đã được xử lý.")
    flag.resolved_at = utcnow()
    session.flush()
    detail = {**_flag_detail(flag), "resolved_at": flag.resolved_at, "scans": flag.scans}
    audit(
        session,
        actor=user,
        action="stamp_flag.resolve",
        entity="stamp_flag",
        entity_id=flag_id,
        detail=detail,
    )
    return flag


STAFF_ROLES = (Role.INSPECTOR, Role.ADMIN)


def staff_scan(session_factory: Callable[[], Session], authorization: str | None) -> bool:
    """Return whether a request's bearer token is a live token of an inspector or admin.

    The public check takes no login; a token is read only when the scan carries a position
    (nothing else can raise a far-from-site flag), so the busy anonymous path stays as it is.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    with session_factory() as session:
        try:
            principal = authenticate(session, token.strip())
        except DomainError:
            return False
    return principal.role in STAFF_ROLES
