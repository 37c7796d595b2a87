"""Record the demo's month of control-scale traffic through the ingest's own service code.

Each market's control scale gets a device the way an office registers one (devices.registry);
the demo's binding shortfall table (demo data, not a law: demo/shortfall_table.py) is loaded
through the rulebook, in force a week into the month; the planned messages go to
devices.store.store_batch a day at a time, as the MQTT batch writer hands them over, judged
by the rulebook as stored (so the first week's checks are indications under R 87 and the rest
shortfalls or not under the demo table), and the offline sweep runs at the plan's end. The
caller commits.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from devices import protocol
from devices.registry import add_device, sweep_offline
from devices.store import Incoming, store_batch
from metrology_svc.auth.principal import Principal
from metrology_svc.demo.readings_plan import Planned, ReadingsPlan
from metrology_svc.demo.shortfall_table import load_demo_table
from metrology_svc.demo.traffic import VIETNAM
from metrology_svc.readings.ingest_rules import IngestRules
from metrology_svc.readings.models import InspectionRequest, Reading
from metrology_svc.settings import Settings

BATCH_SIZE = 2000  # the ingest's default batch size
INSTALLED_DAYS_BEFORE = 90  # the control scales were connected well before the month


@dataclass
class ReadingCounts:
    """What the month of traffic stored."""

    devices: int = 0
    readings: int = 0
    consumer_checks: int = 0
    selfchecks: int = 0
    inspection_requests: int = 0
    shortfall_table_id: int | None = None  # the binding demo table the month is judged under


def register_devices(
    session: Session, plan: ReadingsPlan, *, control_ids: Mapping[str, int]
) -> int:
    """Register each market's control scale as a device; return how many (passwords unused)."""
    for scale in plan.scales:
        issued = add_device(
            session, instrument_id=control_ids[scale.market], device_id=scale.device_id
        )
        issued.device.created_at = plan.start - timedelta(days=INSTALLED_DAYS_BEFORE)
    return len(plan.scales)


def batches(messages: Iterable[Planned], *, size: int = BATCH_SIZE) -> Iterator[list[Planned]]:
    """Yield the messages a (Vietnamese) day at a time, at most `size` per batch."""
    batch: list[Planned] = []
    day = None
    for planned in messages:
        on = planned.received_at.astimezone(VIETNAM).date()
        if batch and (on != day or len(batch) >= size):
            yield batch
            batch = []
        batch.append(planned)
        day = on
    if batch:
        yield batch


def incoming(planned: Planned) -> Incoming:
    """Return the message as the MQTT ingest hands it to store_batch: topic, payload, parsed."""
    message = planned.message
    return Incoming(
        protocol.topic(planned.device_id, protocol.kind_of(message)),
        protocol.encode(message),
        protocol.ParsedMessage(planned.device_id, message),
        planned.received_at,
    )


def _date_requests(session: Session, request_ids: Iterable[int]) -> None:
    # The ingest makes a request when the evidence arrives; this replay runs later, at load time.
    for request_id in request_ids:
        request = session.get(InspectionRequest, request_id)
        newest = session.get(Reading, request.evidence_ids[-1]) if request else None
        if request is not None and newest is not None:
            request.created_at = newest.received_at


def _count(plan: ReadingsPlan, counts: ReadingCounts) -> None:
    for planned in plan.messages:
        message = planned.message
        if isinstance(message, protocol.Reading):
            counts.readings += 1
            counts.consumer_checks += message.check is not None
        elif isinstance(message, protocol.SelfCheck):
            counts.selfchecks += 1


def record_readings(
    session: Session, plan: ReadingsPlan, *, settings: Settings, admin: Principal
) -> ReadingCounts:
    """Load the demo's binding table, store the month through store_batch, sweep; no commit."""
    table = load_demo_table(session, admin, start=plan.start)
    # The rulebook as stored (the demo's binding table included), as the ingest reads it.
    rules = IngestRules.from_database(session, settings)
    counts = ReadingCounts(devices=len(plan.scales), shortfall_table_id=table.id)
    for batch in batches(plan.messages):
        outcome = store_batch(session, [incoming(p) for p in batch], rules)
        _date_requests(session, outcome.requests)
        counts.inspection_requests += len(outcome.requests)
        session.flush()
    sweep_offline(session, now=plan.end, silence_minutes=settings.device_offline_minutes)
    _count(plan, counts)
    return counts
