"""Store a batch of control-scale messages: readings, self-checks, evidence, dead letters.

The MQTT batch writer owns the unit of work: it calls store_batch, commits, then acknowledges.
Nothing here commits, and nothing here knows about MQTT.

(device, boot, seq) names one message across kinds: every message of one boot shares one
sequence. The same key with the same payload bytes is a redelivery (the agent resends the bytes
its outbox holds): a silent, counted duplicate. The same key with other bytes, or of another
kind, is a dead letter `conflicting_duplicate` naming both SHA-256 digests; the first stored
stays. Stored digests are only looked up when an insert reports fewer new rows than offered.
Rows stored before digests were kept (NULL) cannot be judged: a repeat is a duplicate. Statuses
are not stored, so their keys are not checked. A dead letter is keyed by (topic, payload): the
same message set aside again, however much later, is the row already there.

A retained message (replayed by the broker, not sent now) is stored if new, but never counts
as a sign of life: it changes neither last_received_at, last_measured_at nor offline (a
retained status still updates last_status if it is the newest: its measured_at tells its age).
"""

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final, NamedTuple

from sqlmodel import Session

from devices.protocol import ParsedMessage, Reading, Rejection, SelfCheck, Status, kind_of
from metrology_svc.instruments.service import record_event
from metrology_svc.readings import evidence, rules
from metrology_svc.readings.ingest_rules import IngestRules, binds
from metrology_svc.readings.models import Device
from metrology_svc.readings.repository import Key, ReadingRepository

log = logging.getLogger(__name__)
CONFLICT = "conflicting_duplicate"
TOUCH_S: Final = 10.0  # a device's last-heard times are written at most this often
_TOUCH: Final = timedelta(seconds=TOUCH_S)


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
    """What a batch did, for the counters (every receipt counts, dead letters included)."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    requests: list[int] = field(default_factory=list)


# A valid reading or self-check of a known device: (device, message, item, key, payload
# SHA-256). A plain tuple, unpacked where used: a NamedTuple costs more per message.
_Keyed = tuple[Device, Reading | SelfCheck, Incoming, Key, bytes]
_KEY: Final = 3


@dataclass
class _Sorted:
    readings: list[_Keyed] = field(default_factory=list)
    selfchecks: list[_Keyed] = field(default_factory=list)
    firsts: dict[Key, _Keyed] = field(default_factory=dict)  # first message of each key
    repeats: list[_Keyed] = field(default_factory=list)  # a key already seen in the batch
    dead: list[dict[str, Any]] = field(default_factory=list)
    scales: dict[int, list[Device]] = field(default_factory=dict)  # every device of each scale


def dead_letter(item: Incoming, *, reason: str, max_bytes: int) -> dict[str, Any]:
    """Return the dead-letter row for a message (payload truncated, keyed by the whole)."""
    return {
        "received_at": item.received_at,
        "topic": _storable(item.topic[:256]),
        "reason": _storable(reason[:300]),
        "payload": bytes(item.payload[:max_bytes]),
        "payload_size": len(item.payload),
        "message_sha256": message_digest(item.topic, item.payload),
    }


def _storable(text: str) -> str:
    # Text no driver stores (a lone surrogate, NUL) becomes U+FFFD / "?": a dead letter must
    # always be storable, or the message it sets aside could never be acknowledged.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def message_digest(topic: str, payload: bytes) -> bytes:
    """Return a dead letter's key: SHA-256 of the topic (length-prefixed) and the whole payload."""
    # surrogatepass: a topic decoded leniently must still hash, never raise.
    name = topic.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(len(name).to_bytes(4, "big"))
    digest.update(name)
    digest.update(payload)
    return digest.digest()


def _sort(repo: ReadingRepository, items: list[Incoming], rules_: IngestRules) -> _Sorted:
    ids = [i.parsed.device_id for i in items if isinstance(i.parsed, ParsedMessage)]
    known = repo.scale_devices(ids)
    devices = {d.id: d for d in known}
    out = _Sorted(scales=evidence.by_instrument(known))
    # Newest (measured, received) per device, applied once: ORM attribute sets are costly.
    seen: dict[str, tuple[datetime, datetime]] = {}
    for item in items:
        parsed = item.parsed
        if isinstance(parsed, Rejection):
            reason = f"{parsed.code}: {parsed.reason}"
        elif (device := devices.get(parsed.device_id)) is None:
            reason = f"unknown_device: {parsed.device_id}"
        else:
            msg, device_id = parsed.message, parsed.device_id  # not device.id: ORM reads cost
            if not item.retained:
                last = seen.get(device_id)
                seen[device_id] = (
                    (msg.measured_at, item.received_at)
                    if last is None
                    else (max(last[0], msg.measured_at), max(last[1], item.received_at))
                )
            if isinstance(msg, Status):
                _status(device, msg)
            else:
                _add_keyed(out, device, msg, item, (device_id, msg.boot, msg.seq))
            continue
        out.dead.append(dead_letter(item, reason=reason, max_bytes=rules_.dead_letter_max_bytes))
    for device_id, (measured_at, received_at) in seen.items():
        _touch(devices[device_id], measured_at, received_at)
    return out


def _add_keyed(
    out: _Sorted, device: Device, msg: Reading | SelfCheck, item: Incoming, key: Key
) -> None:
    keyed = (device, msg, item, key, hashlib.sha256(item.payload).digest())
    if key in out.firsts:  # judged once the batch's first of this key is stored or refused
        out.repeats.append(keyed)
    elif isinstance(msg, Reading):
        out.firsts[key] = keyed
        out.readings.append(keyed)
    else:
        out.firsts[key] = keyed
        out.selfchecks.append(keyed)


def _touch(device: Device, measured_at: datetime, received_at: datetime) -> None:
    """Note that a device was heard: at most one row update per TOUCH_S of receipt time.

    Liveness counts in minutes (offline after METROLOGY_DEVICE_OFFLINE_MINUTES), so writing both
    times for every device of every batch (500 devices: 500 UPDATEs several times a second) buys
    nothing: the stored times may lag by less than TOUCH_S. A device coming back from offline,
    or heard for the first time, is written at once.
    """
    received = device.last_received_at
    if not device.offline and received is not None and received_at < received + _TOUCH:
        return
    if device.last_measured_at is None or measured_at > device.last_measured_at:
        device.last_measured_at = measured_at
    if received is None or received_at > received:
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


class _Verdict:
    """Tell redeliveries from conflicting duplicates; collect the conflicts' dead letters."""

    def __init__(self, repo: ReadingRepository, max_bytes: int) -> None:
        self.repo, self.max_bytes = repo, max_bytes
        self.stored: dict[Key, tuple[str, bytes | None]] = {}  # (kind, digest) found by look_up
        self.dead: list[dict[str, Any]] = []

    def look_up(self, kind: str, offered: list[_Keyed]) -> int:
        """Judge messages offered but not all new against what is stored; return the conflicts.

        Only called when an insert reports fewer new rows than offered: a rare, cheap path.
        """
        other = "selfcheck" if kind == "reading" else "reading"
        keys = [k[_KEY] for k in offered]
        own = self.repo.stored_digests(kind, keys)
        others = self.repo.stored_digests(other, [key for key in keys if key not in own])
        self.stored |= {key: (other, digest) for key, digest in others.items()}
        self.stored |= {key: (kind, digest) for key, digest in own.items()}
        return sum(self._conflicts(k, self.stored.get(k[_KEY])) for k in offered)

    def repeat(self, keyed: _Keyed, first: _Keyed) -> bool:
        """Judge a key's second message in one batch; tell whether it conflicts."""
        # What the key holds now: found by a look-up, else the batch's first (it was new).
        _, msg, _, key, digest = first
        return self._conflicts(keyed, self.stored.get(key) or (kind_of(msg), digest))

    def _conflicts(self, keyed: _Keyed, stored: tuple[str, bytes | None] | None) -> bool:
        if stored is None:  # in neither table: nothing to judge against
            return False
        kind, digest = stored
        _, msg, item, _, received_digest = keyed
        received = kind_of(msg)
        if kind == received and (digest is None or digest == received_digest):
            return False  # the same bytes again, or a row too old to judge: a duplicate
        reason = (
            f"{CONFLICT}: stored {kind} sha256:{digest.hex() if digest else 'unknown'}, "
            f"received {received} sha256:{received_digest.hex()}, key {msg.boot}/{msg.seq}"
        )
        self.dead.append(dead_letter(item, reason=reason, max_bytes=self.max_bytes))
        return True


def _store_selfchecks(
    repo: ReadingRepository, sorted_: _Sorted, r: IngestRules, verdict: _Verdict
) -> tuple[int, int]:
    checks = sorted_.selfchecks
    instruments = repo.instruments(device.instrument_id for device, *_ in checks)
    rows, failed = [], {}
    for device, msg, item, key, digest in checks:
        assert isinstance(msg, SelfCheck)  # sorted by kind in _add_keyed
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
                "received_at": item.received_at,
                "reference_g": float(msg.nominal_g),
                "indicated_g": float(msg.mass_g),
                "error_g": float(result.error_g),
                "mpe_g": float(result.mpe_g) if result.mpe_g is not None else None,
                "passed": result.passed,
                "mpe_rule_id": mpe.ref.table_id if mpe else None,
                "payload_sha256": digest,
            }
        )
        if result.passed is False:
            failed[key] = (device, msg, result)
    new = repo.insert_selfchecks(rows)
    unsure = [k for k in checks if k[_KEY] not in new]
    conflicts = verdict.look_up("selfcheck", unsure) if unsure else 0
    for key, (device, msg, result) in failed.items():
        if key in new:
            scale = sorted_.scales[device.instrument_id]
            _distrust(repo, device, scale, msg, result, new[key])
    return len(new), len(unsure) - conflicts


def _distrust(
    repo: ReadingRepository,
    device: Device,
    scale: list[Device],
    msg: SelfCheck,
    result: rules.SelfCheckResult,
    selfcheck_id: int,
) -> None:
    # Every device of the scale, also those on it that sent nothing in this batch: trust
    # belongs to the instrument. Readings are judged after self-checks, so the batch's own
    # readings on that scale are judged by it too.
    evidence.distrust(repo, device.instrument_id, scale, msg.measured_at)
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
    keyed: _Keyed, r: IngestRules, at: dict[str, tuple[int, datetime | None]]
) -> dict[str, Any]:
    """Return a reading's row: a plain reading's columns only (the rest are NULL or false by
    default), a consumer check's with its judgement. `at` caches each device's site and
    distrust for the batch: ORM attribute reads cost more than the row itself."""
    device, msg, item, key, digest = keyed
    assert isinstance(msg, Reading)  # sorted by kind in _add_keyed
    device_id = key[0]
    found = at.get(device_id)
    if found is None:
        found = at[device_id] = (device.site_id, device.untrusted_since)
    site_id, untrusted_since = found
    trusted = untrusted_since is None or msg.measured_at < untrusted_since
    row: dict[str, Any] = {
        "device_id": device_id,
        "boot": msg.boot,
        "seq": msg.seq,
        "site_id": site_id,
        "measured_at": msg.measured_at,
        "received_at": item.received_at,
        "net_g": float(msg.mass_g),
        "stable": msg.stable,
        "trusted": trusted,
        "short": False,
        "payload_sha256": digest,
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


def _store_readings(
    repo: ReadingRepository,
    readings: list[_Keyed],
    r: IngestRules,
    verdict: _Verdict,
    outcome: BatchOutcome,
) -> list[dict[str, Any]]:
    """Insert the readings; return the rows of new trusted consumer checks (the evidence)."""
    checks: list[tuple[_Keyed, dict[str, Any]]] = []
    plain: list[tuple[_Keyed, dict[str, Any]]] = []
    at: dict[str, tuple[int, datetime | None]] = {}
    for keyed in readings:
        row = _reading_row(keyed, r, at)
        (plain if "seller_ref" not in row else checks).append((keyed, row))
    # Consumer checks need to know which rows are new (statistics); plain readings only a count.
    new = repo.insert_readings([row for _, row in checks])
    fresh = repo.insert_plain_readings([row for _, row in plain])
    unsure = [k for k, _ in checks if k[_KEY] not in new]
    if fresh < len(plain):
        unsure += [k for k, _ in plain]
    conflicts = verdict.look_up("reading", unsure) if unsure else 0
    outcome.stored += len(new) + fresh
    outcome.duplicates += len(readings) - len(new) - fresh - conflicts
    return [row for k, row in checks if row["trusted"] and k[_KEY] in new]


def store_batch(session: Session, items: list[Incoming], rules_: IngestRules) -> BatchOutcome:
    """Stage a batch: new readings and self-checks, evidence, dead letters; the caller commits."""
    repo = ReadingRepository(session)
    sorted_ = _sort(repo, items, rules_)
    evidence.settle_trust(repo, sorted_.scales)
    verdict = _Verdict(repo, rules_.dead_letter_max_bytes)
    outcome = BatchOutcome()
    if sorted_.selfchecks:
        outcome.stored, outcome.duplicates = _store_selfchecks(repo, sorted_, rules_, verdict)
    checks = _store_readings(repo, sorted_.readings, rules_, verdict, outcome)
    for keyed in sorted_.repeats:
        outcome.duplicates += not verdict.repeat(keyed, sorted_.firsts[keyed[_KEY]])
    if checks:
        outcome.requests = evidence.update_sellers(
            repo,
            checks,
            threshold=rules_.suspect_shortfalls,
            window_days=rules_.suspect_window_days,
        )
    _set_aside(repo, sorted_.dead + verdict.dead, outcome)
    return outcome


def _set_aside(repo: ReadingRepository, dead: list[dict[str, Any]], outcome: BatchOutcome) -> None:
    outcome.rejected = len(dead)  # receipts; a message set aside before is stored once
    for row in dead:
        outcome.reasons[row["reason"].split(":", 1)[0]] += 1
    conflicts = [row["topic"] for row in dead if row["reason"].startswith(CONFLICT)]
    if conflicts:  # one line per batch, naming the first topic
        log.warning(
            "ingest: %d tin trùng khóa nhưng khác nội dung đã để riêng / "
            "%d conflicting duplicates set aside (%s)",
            len(conflicts),
            len(conflicts),
            conflicts[0],
        )
    repo.add_dead_letters(dead)
