"""A verification an office's list reports: recorded as given (not re-judged), dated by the cycle.

An import never sets a due date or a status by itself: the last-verification date of a row
becomes this record, and the rulebook's cycle in force on that date gives the due date. It has
no points and issues no stamp; failed, suspended and retired stay (instruments.lifecycle).
A row whose result says failed (không đạt) is recorded as a failed verification: the instrument
becomes failed and keeps its due date (none for a new one).

An import brings thousands of them, so they are written in bulk: one query for the latest
verification of every instrument, one batched insert each for the records, their history
entries and their audit records (one per verification, chained as audit() chains them).
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.lifecycle import Outcome, Verified, apply_change
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError, Ruled
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.verifications.models import Verification, VerificationKind, VerificationResult
from metrology_svc.verifications.repository import VerificationRepository

VERIFIER = "Danh sách nhập / imported list"
PROCEDURE = "—"
EVENT = "verification_imported"


@dataclass(slots=True)
class InstrumentState:
    """What the lifecycle reads and sets of an instrument, without an ORM object: an import
    judges thousands; its writer stores the changed ones in one batched UPDATE."""

    id: int
    type_code: str
    site_id: int
    status: InstrumentStatus
    due_date: date | None
    last_verified_on: date | None
    updated_at: datetime

    def row(self) -> tuple[InstrumentStatus, date | None, date | None, datetime]:
        """Return what a verification may change: status, due date, last one, update time."""
        return self.status, self.due_date, self.last_verified_on, self.updated_at


@dataclass(frozen=True)
class ImportedItem:
    """One row's report: this instrument was verified on this date (row of the file)."""

    instrument: Instrument | InstrumentState
    verified_on: date
    row: int
    # The list says this verification failed: the instrument is failed, its due date stays.
    failed: bool = False


def _refuse(en: str, vi: str) -> Invalid:
    return Invalid(en, message_vi=vi, loc=["last_verified_on"])


Cycles = dict[tuple[str, date], tuple[date, Ruled[int]]]


def _cycle(
    session: Session, item: ImportedItem, rulebook: Rulebook, file_name: str, cycles: Cycles
) -> tuple[date, Ruled[int]]:
    instrument, on = item.instrument, item.verified_on
    key = (instrument.type_code, on)
    # The rulebook's answer depends on the type and the date only: asked once per pair.
    found = cycles.get(key)
    if found is not None:
        return found
    try:
        found = cycles[key] = rulebook.valid_until(type_code=instrument.type_code, verified_on=on)
        return found
    except NoRuleError as exc:
        kind = TypeRepository(session).get(instrument.type_code)
        name_en, name_vi = (kind.name_en, kind.name_vi) if kind else (instrument.type_code,) * 2
        raise _refuse(
            f"{file_name}, row {item.row}: no verification cycle for a {name_en} "
            f"({instrument.type_code}) verified on {on:%d/%m/%Y}: {exc}.",
            f"{file_name}, dòng {item.row}: không có chu kỳ kiểm định cho {name_vi} "
            f"({instrument.type_code}) kiểm định ngày {on:%d/%m/%Y}: {exc.vi}.",
        ) from exc


def _record(
    session: Session,
    user: Principal,
    item: ImportedItem,
    *,
    file_name: str,
    rulebook: Rulebook,
    today: date,
    units: dict[int, int | None],
    now: datetime,
    cycles: Cycles,
) -> dict[str, Any]:
    """Return the complete row of one imported verification (every column but the id)."""
    if item.verified_on > today:
        raise _refuse(
            f"{file_name}, row {item.row}: the last verification date "
            f"{item.verified_on:%d/%m/%Y} lies in the future.",
            f"{file_name}, dòng {item.row}: ngày kiểm định {item.verified_on:%d/%m/%Y} ở tương "
            "lai.",
        )
    # A failed one too must lie where the rulebook has a cycle (from 2013 on); it sets no due date.
    valid_until, cycle = _cycle(session, item, rulebook, file_name, cycles)
    assert item.instrument.id is not None
    failed = item.failed
    return {
        "instrument_id": item.instrument.id,
        # The unit the record is made under (the site's now).
        "unit_id": units.get(item.instrument.site_id),
        "kind": VerificationKind.IMPORTED,
        "verified_on": item.verified_on,
        "verifier": VERIFIER,
        "procedure": PROCEDURE,
        "result": VerificationResult.FAIL if failed else VerificationResult.RECORDED,
        "cycle_months": None if failed else cycle.value,
        "valid_until": None if failed else valid_until,
        "cycle_rule_id": None if failed else cycle.ref.table_id,
        "cycle_rule": None if failed else cycle.ref.label,
        "loads_rule_id": None,
        "loads_rule": None,
        "missing_loads": None,
        "certificate_no": None,
        "notes": (
            f"Nhập từ {file_name}, dòng {item.row} / imported from {file_name}, row {item.row}"
        )[:2000],
        "source_file": file_name[:255],
        "source_row": item.row,
        # Principal id 0 is the command line's system principal: no account to point at.
        "created_by_user_id": user.user_id if user.user_id > 0 else None,
        "created_at": now,
    }


def record_imported_verifications(
    session: Session,
    user: Principal,
    items: Sequence[ImportedItem],
    *,
    file_name: str,
    rulebook: Rulebook,
    today: date,
    due_soon_days: int,
    new_ids: Collection[int] = (),
) -> list[int]:
    """Record the verifications a list reports, in bulk; move each due date by the cycle.

    Return the new records' ids, in the order of `items`. The rows are written as rows (an
    import's 100,000 ORM objects cost more than all its other work together). An ORM
    instrument is changed in place (the session's flush stores it); an InstrumentState too,
    and its caller stores it (instruments' update_states). `new_ids`: instruments created
    in this transaction, which have no verification on record to look up.
    """
    if not items:
        return []
    units = SiteRepository(session).unit_ids({item.instrument.site_id for item in items})
    now = utcnow()
    cycles: Cycles = {}
    rows = [
        _record(
            session,
            user,
            item,
            file_name=file_name,
            rulebook=rulebook,
            today=today,
            units=units,
            now=now,
            cycles=cycles,
        )
        for item in items
    ]
    verifications = VerificationRepository(session)
    latest = verifications.latest_on_many({row["instrument_id"] for row in rows} - set(new_ids))
    ids = verifications.insert_many(rows)
    events: list[dict[str, Any]] = []
    entries: list[Entry] = []
    for item, row, vid in zip(items, rows, ids, strict=True):
        event, entry = _apply(item, row | {"id": vid}, latest, file_name, today, due_soon_days)
        events.append(event | {"at": now})
        entries.append(entry)
    InstrumentRepository(session).insert_events(events)
    audit_many(session, actor=user, entries=entries)
    return ids


def _apply(
    item: ImportedItem,
    verification: dict[str, Any],
    latest: dict[int, date],
    file_name: str,
    today: date,
    due_soon_days: int,
) -> tuple[dict[str, Any], Entry]:
    instrument = item.instrument
    assert instrument.id is not None
    before = latest.get(instrument.id)
    valid_until: date | None = verification["valid_until"]
    outcome = _judge(item, valid_until, before, today, due_soon_days)
    if before is None or item.verified_on > before:
        latest[instrument.id] = item.verified_on  # the same instrument twice in one list
    source: dict[str, Any] = {"file": file_name, "row": item.row}
    event = {
        "instrument_id": instrument.id,
        "kind": EVENT,
        "actor_user_id": verification["created_by_user_id"],
        "detail": {
            "verification_id": verification["id"],
            "result": str(verification["result"]),
            "verified_on": item.verified_on.isoformat(),
            "outcome": outcome.outcome,
            "valid_until": valid_until.isoformat() if valid_until else None,
            **source,
        },
    }
    entry = Entry(
        action="verification.import",
        entity="verification",
        entity_id=verification["id"],
        detail={
            "instrument_id": instrument.id,
            **source,
            "verified_on": item.verified_on,
            "valid_until": valid_until,
            "cycle_rule": verification["cycle_rule"],
            "outcome": outcome.outcome,
            "status": {"from": str(outcome.status_before), "to": str(outcome.status_after)},
            "due_date": {"from": outcome.due_before, "to": outcome.due_after},
        },
    )
    return event, entry


def _judge(
    item: ImportedItem, valid_until: date | None, latest: date | None, today: date, soon: int
) -> Outcome:
    change = Verified(
        result="fail" if item.failed else "recorded",
        verified_on=item.verified_on,
        valid_until=valid_until,
        latest_on=latest,
    )
    # A state has every attribute the lifecycle reads or sets (tests pin the equivalence).
    return apply_change(cast(Instrument, item.instrument), change, today=today, due_soon_days=soon)


def judged_new(
    type_code: str,
    verified_on: date,
    *,
    failed: bool,
    rulebook: Rulebook,
    today: date,
    due_soon_days: int,
) -> InstrumentState | None:
    """Return the state a new instrument (registered, never verified) takes from its
    imported verification: what record_imported_verifications judges of it, so that an import
    can insert the instrument in that state and need not update it afterwards. None where no
    cycle covers the date (recording it is refused)."""
    state = InstrumentState(0, type_code, 0, InstrumentStatus.REGISTERED, None, None, utcnow())
    item = ImportedItem(state, verified_on, row=0, failed=failed)
    try:
        valid_until, _cycle = rulebook.valid_until(type_code=type_code, verified_on=verified_on)
    except NoRuleError:
        return None
    _judge(item, None if failed else valid_until, None, today, due_soon_days)
    return state


def record_imported_verification(
    session: Session,
    user: Principal,
    instrument: Instrument,
    *,
    verified_on: date,
    file_name: str,
    row: int,
    rulebook: Rulebook,
    today: date,
    due_soon_days: int,
) -> Verification:
    """Record one verification a list reports (not re-judged); move the due date by the cycle."""
    item = ImportedItem(instrument=instrument, verified_on=verified_on, row=row)
    (verification_id,) = record_imported_verifications(
        session,
        user,
        [item],
        file_name=file_name,
        rulebook=rulebook,
        today=today,
        due_soon_days=due_soon_days,
    )
    verification = VerificationRepository(session).get(verification_id)
    assert verification is not None
    return verification
