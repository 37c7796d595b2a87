"""Offline sync of measures (sealing, suspension, verification request, violation proposal),
each exactly once: the phone gives each a UUID; a resend answers "duplicate", a bad one is
rejected with its reason inside its own savepoint and the rest of the batch is kept."""

from datetime import date
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from metrology_svc.audit.service import audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.batch import parse_entry, rejection, sent_uuid
from metrology_svc.core.errors import DomainError, Invalid
from metrology_svc.inspections.models import InspectionMeasure
from metrology_svc.inspections.procedure import measure_entry, store_measure
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import MeasureIn, SyncItemResult
from metrology_svc.settings import Settings


def _rejected(index: int, uuid: str | None, err: DomainError) -> SyncItemResult:
    return SyncItemResult.model_validate(rejection(index, uuid, err, "measures"))


def _parse(index: int, raw: Any) -> MeasureIn | SyncItemResult:
    item = parse_entry(MeasureIn, raw, what_en="measure", what_vi="Biện pháp")
    if isinstance(item, Invalid):
        return _rejected(index, sent_uuid(raw), item)
    if item.client_uuid is None:
        err = Invalid(
            "A measure sent from the field needs its client_uuid.",
            message_vi="Biện pháp gửi từ hiện trường phải có client_uuid.",
            loc=["client_uuid"],
        )
        return _rejected(index, None, err)
    return item


def _one(
    session: Session,
    user: Principal,
    inspection_id: int,
    index: int,
    item: MeasureIn,
    *,
    settings: Settings,
    today: date,
    new: list[InspectionMeasure],
) -> SyncItemResult:
    uuid = str(item.client_uuid)
    try:
        with session.begin_nested():
            measure, created = store_measure(
                session, user, inspection_id, item, settings=settings, today=today
            )
    except DomainError as err:
        return _rejected(index, uuid, err)
    except (DataError, OverflowError):
        too_big = Invalid("A value is out of range.", message_vi="Có giá trị vượt quá phạm vi.")
        return _rejected(index, uuid, too_big)
    except IntegrityError:  # stored a moment ago by another request: a resend after all
        if InspectionRepository(session).measure_by_uuid(uuid) is None:
            raise
        return _one(
            session, user, inspection_id, index, item, settings=settings, today=today, new=new
        )
    if created:
        new.append(measure)
    return SyncItemResult(
        index=index,
        client_uuid=uuid,
        status="created" if created else "duplicate",
        measure_id=measure.id,
    )


def sync_measures(
    session: Session,
    user: Principal,
    inspection_id: int,
    items: list[Any],
    *,
    settings: Settings,
    today: date,
) -> list[SyncItemResult]:
    """Store a batch of measures: new ones once (with their effect, audited together),
    resends as duplicates."""
    results = []
    new: list[InspectionMeasure] = []
    for index, raw in enumerate(items):
        parsed = _parse(index, raw)
        if isinstance(parsed, SyncItemResult):
            results.append(parsed)
            continue
        results.append(
            _one(
                session,
                user,
                inspection_id,
                index,
                parsed,
                settings=settings,
                today=today,
                new=new,
            )
        )
    audit_many(session, actor=user, entries=[measure_entry(m) for m in new])
    return results
