"""Offline sync of measures (sealing, suspension, verification request, violation proposal),
each exactly once: the phone gives each a UUID; a resend answers "duplicate", a bad one is
rejected with its reason inside its own savepoint and the rest of the batch is kept."""

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import DomainError, Invalid, validation_details
from metrology_svc.inspections.procedure import add_measure
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import MeasureIn, SyncItemResult
from metrology_svc.settings import Settings


def _rejected(index: int, uuid: str | None, err: DomainError) -> SyncItemResult:
    return SyncItemResult(
        index=index,
        client_uuid=uuid,
        status="rejected",
        message=err.message,
        message_vi=err.message_vi,
        details=[
            {**d, "loc": ["measures", index, *[x for x in d.get("loc", []) if x != "body"]]}
            for d in err.details
        ],
    )


def _parse(index: int, raw: Any) -> MeasureIn | SyncItemResult:
    uuid = raw.get("client_uuid") if isinstance(raw, dict) else None
    try:
        item = MeasureIn.model_validate(raw)
    except ValidationError as exc:
        err = Invalid(
            "The measure is malformed; see details.",
            message_vi="Biện pháp không hợp lệ; xem chi tiết.",
            details=validation_details(exc.errors()),
        )
        return _rejected(index, str(uuid)[:64] if uuid is not None else None, err)
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
) -> SyncItemResult:
    uuid = str(item.client_uuid)
    try:
        with session.begin_nested():
            measure, created = add_measure(
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
        return _one(session, user, inspection_id, index, item, settings=settings, today=today)
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
    """Store a batch of measures: new ones once (with their effect), resends as duplicates."""
    results = []
    for index, raw in enumerate(items):
        parsed = _parse(index, raw)
        if isinstance(parsed, SyncItemResult):
            results.append(parsed)
            continue
        results.append(
            _one(session, user, inspection_id, index, parsed, settings=settings, today=today)
        )
    return results
