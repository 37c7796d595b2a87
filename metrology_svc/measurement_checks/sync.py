"""Offline sync of measurement checks, each exactly once.

The phone gives every check a UUID; a resend answers "duplicate" with the stored judgement, a
bad one is rejected with its reason inside its own savepoint and the rest of the batch is kept.
Each check is judged by the rulebook when it is stored, as one sent online would be.
"""

from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from metrology_svc.audit.service import audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.batch import parse_entry, rejection, sent_uuid
from metrology_svc.core.errors import DomainError, Invalid
from metrology_svc.measurement_checks.models import MeasurementCheck
from metrology_svc.measurement_checks.repository import MeasurementCheckRepository
from metrology_svc.measurement_checks.schemas import CheckSyncResult, MeasurementCheckCreate
from metrology_svc.measurement_checks.service import check_entry, store_check, writable_inspection
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.service import load_rulebook


def _rejected(index: int, uuid: str | None, err: DomainError) -> CheckSyncResult:
    return CheckSyncResult.model_validate(rejection(index, uuid, err, "checks"))


def _parse(index: int, raw: Any) -> MeasurementCheckCreate | CheckSyncResult:
    item = parse_entry(
        MeasurementCheckCreate, raw, what_en="measurement check", what_vi="Phép đo kiểm tra"
    )
    if isinstance(item, Invalid):
        return _rejected(index, sent_uuid(raw), item)
    if item.client_uuid is None:
        err = Invalid(
            "A check sent from the field needs its client_uuid.",
            message_vi="Phép đo gửi từ hiện trường phải có client_uuid.",
            loc=["client_uuid"],
        )
        return _rejected(index, None, err)
    return item


def _one(
    session: Session,
    user: Principal,
    inspection_id: int,
    index: int,
    item: MeasurementCheckCreate,
    book: Rulebook,
    new: list[MeasurementCheck],
) -> CheckSyncResult:
    uuid = str(item.client_uuid)
    repo = MeasurementCheckRepository(session)
    known = repo.by_client_uuid(uuid) is not None
    try:
        with session.begin_nested():
            check, created = store_check(session, user, inspection_id, item, book=book)
    except DomainError as err:
        return _rejected(index, uuid, err)
    except (DataError, OverflowError):
        too_big = Invalid("A value is out of range.", message_vi="Có giá trị vượt quá phạm vi.")
        return _rejected(index, uuid, too_big)
    except IntegrityError:  # stored a moment ago by another request: a resend after all
        if repo.by_client_uuid(uuid) is None:
            raise
        return _one(session, user, inspection_id, index, item, book, new)
    if created:
        new.append(check)
    return CheckSyncResult(
        index=index,
        client_uuid=uuid,
        status="duplicate" if known else "created",
        check_id=check.id,
        verdict=check.verdict,
        reason=check.reason,
        reason_vi=check.reason_vi,
    )


def sync_checks(
    session: Session, user: Principal, inspection_id: int, items: list[Any]
) -> list[CheckSyncResult]:
    """Store a batch of checks: new ones once (judged), resends as duplicates; the caller
    commits. The whole batch is refused outside the user's units."""
    writable_inspection(session, user, inspection_id)
    book = load_rulebook(session) if items else None
    results = []
    new: list[MeasurementCheck] = []
    for index, raw in enumerate(items):
        parsed = _parse(index, raw)
        if isinstance(parsed, CheckSyncResult):
            results.append(parsed)
            continue
        assert book is not None
        results.append(_one(session, user, inspection_id, index, parsed, book, new))
    audit_many(session, actor=user, entries=[check_entry(c) for c in new])
    return results
