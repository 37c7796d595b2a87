"""Store a batch of control-scale messages: readings, self-checks, evidence, dead letters.

The MQTT batch writer owns the unit of work: it calls store_batch, commits, then acknowledges.
Nothing here commits, and nothing here knows about MQTT.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlmodel import Session

from devices.protocol import ParsedMessage, Reading, Rejection, SelfCheck, Status
from metrology_svc.instruments.service import record_event
from metrology_svc.readings import rules
from metrology_svc.readings.evidence import update_sellers
from metrology_svc.readings.ingest_rules import IngestRules, binds
from metrology_svc.readings.models import Device
from metrology_svc.readings.repository import ReadingRepository


class Incoming(NamedTuple):
    """One MQTT message as the ingest received it, already parsed (a tuple: cheap to build)."""

    topic: str
    payload: bytes
    parsed: ParsedMessage | Rejection
    received_at: datetime
    # Replayed by the broker from its retained store, not sent now: stored if new, but never
    # taken as a sign that the device is alive.
    retained: bool = False


@dataclass
class BatchOutcome:
    """What a batch did, for the counters."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: list[int] = field(default_factory=list)


@dataclass
class _Sorted:
    readings: list[tuple[Device, Reading, datetime]] = field(default_factory=list)
    selfchecks: list[tuple[Device, SelfCheck, datetime]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)


def dead_letter(item: Incoming, *, reason: str, max_bytes: int) -> dict[str, Any]:
    """Return the dead-letter row for a message (payload truncated)."""
    return {
        "received_at": item.received_at,
        "topic": item.topic[:256],
        "reason": reason[:300],
        "payload": bytes(item.payload[:max_bytes]),
        "payload_size": len(item.payload),
    }


def _sort(repo: ReadingRepository, items: list[Incoming], rules_: IngestRules) -> _Sorted:
    ids = [i.parsed.device_id for i in items if isinstance(i.parsed, ParsedMessage)]
    devices = repo.devices(ids)
    out = _Sorted()
    # Newest (measured, received) per device, applied once: ORM attribute sets are costly.
    seen: dict[str, tuple[datetime, datetime]] = {}
    for item in items:
        parsed = item.parsed
        if isinstance(parsed, Rejection):
            reason = f"{parsed.code}: {parsed.reason}"
        elif parsed.device_id not in devices:
            reason = f"unknown_device: {parsed.device_id}"
        else:
            device, msg = devices[parsed.device_id], parsed.message
            last = seen.get(device.id)
            seen[device.id] = (
                (msg.measured_at, item.received_at)
                if last is None
                else (max(last[0], msg.measured_at), max(last[1], item.received_at))
            )
            if isinstance(msg, Reading):
                out.readings.append((device, msg, item.received_at))
            elif isinstance(msg, SelfCheck):
                out.selfchecks.append((device, msg, item.received_at))
            elif isinstance(msg, Status):
                _status(device, msg)
            continue
        out.dead.append(dead_letter(item, reason=reason, max_bytes=rules_.dead_letter_max_bytes))
    for device_id, (measured_at, received_at) in seen.items():
        _touch(devices[device_id], measured_at, received_at)
    return out


def _touch(device: Device, measured_at: datetime, received_at: datetime) -> None:
    if device.last_measured_at is None or measured_at > device.last_measured_at:
        device.last_measured_at = measured_at
    if device.last_received_at is None or received_at > device.last_received_at:
        device.last_received_at = received_at
    if device.offline:
        device.offline = False


def _newer_than_stored(measured_at: datetime, stored: object) -> bool:
    # Compare instants, not text: "10:00+07:00" is earlier than "04:00+00:00" as a string.
    if not isinstance(stored, str) or not stored:
        return True
    try:
        last = datetime.fromisoformat(stored)
    except ValueError:
        return True  # an unreadable stored time never hides a fresh status
    if (last.tzinfo is None) != (measured_at.tzinfo is None):
        return True
    return measured_at >= last


def _status(device: Device, msg: Status) -> None:
    if _newer_than_stored(msg.measured_at, (device.last_status or {}).get("measured_at")):
        device.last_status = {
            "measured_at": msg.measured_at.isoformat(),
            "uptime_s": msg.uptime_s,
            "firmware": msg.firmware,
            "rssi_dbm": msg.rssi_dbm,
            "errors": list(msg.errors),
        }


def _restore_trust(repo: ReadingRepository, devices: list[Device]) -> None:
    # A new passing verification of the instrument ends the untrusted period.
    for device in {d.id: d for d in devices}.values():
        since = device.untrusted_since
        if since is not None and repo.passed_verification_since(device.instrument_id, since):
            device.untrusted_since = None


def _store_selfchecks(
    repo: ReadingRepository, checks: list[tuple[Device, SelfCheck, datetime]], r: IngestRules
) -> tuple[int, int]:
    instruments = repo.instruments(d.instrument_id for d, _, _ in checks)
    rows, failed = [], {}
    for device, msg, received_at in checks:
        inst = instruments[device.instrument_id]
        mpe = r.selfcheck_mpe(
            e_g=inst.e_g, accuracy_class=inst.accuracy_class, load=msg.nominal_g, on=msg.measured_at
        )
        result = rules.judge_selfcheck(
            reference_g=msg.nominal_g,
            indicated_g=msg.mass_g,
            mpe_g=mpe.value if mpe else None,
        )
        rows.append(
            {
                "device_id": device.id,
                "boot": msg.boot,
                "seq": msg.seq,
                "measured_at": msg.measured_at,
                "received_at": received_at,
                "reference_g": float(msg.nominal_g),
                "indicated_g": float(msg.mass_g),
                "error_g": float(result.error_g),
                "mpe_g": float(result.mpe_g) if result.mpe_g is not None else None,
                "passed": result.passed,
                "mpe_rule_id": mpe.ref.table_id if mpe else None,
            }
        )
        if result.passed is False:
            failed[(device.id, msg.boot, msg.seq)] = (device, msg, result)
    new = repo.insert_selfchecks(rows)
    for key, (device, msg, result) in failed.items():
        if key in new:
            _distrust(repo, device, msg, result, new[key])
    return len(new), len(rows) - len(new)


def _distrust(
    repo: ReadingRepository,
    device: Device,
    msg: SelfCheck,
    result: rules.SelfCheckResult,
    selfcheck_id: int,
) -> None:
    if device.untrusted_since is None or msg.measured_at < device.untrusted_since:
        device.untrusted_since = msg.measured_at
    record_event(
        repo.session,
        instrument_id=device.instrument_id,
        kind="selfcheck_failed",
        actor=None,
        detail={
            "device_id": device.id,
            "selfcheck_id": selfcheck_id,
            "reference_g": str(msg.nominal_g),
            "indicated_g": str(msg.mass_g),
            "error_g": str(result.error_g),
            "mpe_g": str(result.mpe_g),
        },
    )


def _reading_row(
    device: Device, msg: Reading, received_at: datetime, r: IngestRules
) -> dict[str, Any]:
    trusted = device.untrusted_since is None or msg.measured_at < device.untrusted_since
    row: dict[str, Any] = {
        "device_id": device.id,
        "boot": msg.boot,
        "seq": msg.seq,
        "site_id": device.site_id,
        "measured_at": msg.measured_at,
        "received_at": received_at,
        "net_g": float(msg.mass_g),
        "stable": msg.stable,
        "trusted": trusted,
        "seller_ref_kind": None,
        "seller_ref": None,
        "declared_g": None,
        "category": None,
        "permitted_shortfall_g": None,
        "missing_g": None,
        "short": False,
        "shortfall_rule_id": None,
    }
    if msg.check is not None:
        table = r.shortfall_bands(on=msg.measured_at)
        ev = rules.judge_check(
            declared_g=msg.check.declared_g,
            measured_g=msg.mass_g,
            bands=table.value if table else (),
            binding=table is not None and binds(table.ref),
        )
        row |= {
            "shortfall_rule_id": table.ref.table_id if table else None,
            "seller_ref_kind": msg.check.seller.kind,
            "seller_ref": msg.check.seller.value,
            "declared_g": float(msg.check.declared_g),
            "category": msg.check.category,
            "permitted_shortfall_g": _float(ev.permitted_shortfall_g),
            "missing_g": _float(ev.missing_g),
            "short": ev.short and msg.stable,  # an unsettled indication is no evidence
        }
    return row


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def store_batch(session: Session, items: list[Incoming], rules_: IngestRules) -> BatchOutcome:
    """Stage a batch: new readings and self-checks, evidence, dead letters; the caller commits."""
    repo = ReadingRepository(session)
    sorted_ = _sort(repo, items, rules_)
    outcome = BatchOutcome(rejected=len(sorted_.dead))
    for row in sorted_.dead:
        outcome.reasons[row["reason"].split(":", 1)[0]] += 1
    _restore_trust(
        repo, [d for d, _, _ in sorted_.readings] + [d for d, _, _ in sorted_.selfchecks]
    )
    if sorted_.selfchecks:
        stored, dup = _store_selfchecks(repo, sorted_.selfchecks, rules_)
        outcome.stored, outcome.duplicates = outcome.stored + stored, outcome.duplicates + dup
    rows = [_reading_row(d, m, at, rules_) for d, m, at in sorted_.readings]
    # Consumer checks need to know which rows are new (statistics); plain readings only a count.
    check_rows = [r for r in rows if r["seller_ref"] is not None]
    plain = [r for r in rows if r["seller_ref"] is None]
    new = repo.insert_readings(check_rows)
    fresh = repo.insert_plain_readings(plain)
    outcome.stored += len(new) + fresh
    outcome.duplicates += len(rows) - len(new) - fresh
    checks = [
        r for r in check_rows if r["trusted"] and (r["device_id"], r["boot"], r["seq"]) in new
    ]
    if checks:
        outcome.requests = update_sellers(
            repo,
            checks,
            threshold=rules_.suspect_shortfalls,
            window_days=rules_.suspect_window_days,
        )
    repo.add_dead_letters(sorted_.dead)
    return outcome
