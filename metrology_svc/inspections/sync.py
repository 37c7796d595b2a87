"""Offline sync of findings, each exactly once, and what a finding does to the instrument.

The phone gives every finding a UUID; the unique key on it makes a resend harmless. Each new
item is stored with its consequences (stamp revoked, status, event, notice) inside its own
savepoint, so a bad item is rejected with its reason and the rest of the batch is kept.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from metrology_svc.audit.service import Entry, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.batch import parse_entry, rejection, sent_uuid
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, DomainError, Invalid
from metrology_svc.inspections import rules
from metrology_svc.inspections.models import (
    FindingKind,
    Inspection,
    InspectionFinding,
    InspectionMeasure,
    MeasureKind,
)
from metrology_svc.inspections.points import judge
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import FindingIn, SyncItemResult, SyncResult
from metrology_svc.inspections.service import get_inspection
from metrology_svc.instruments.lifecycle import Finding, apply_change
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentRepository
from metrology_svc.instruments.service import record_event
from metrology_svc.notices.models import NoticeKind
from metrology_svc.notices.service import enqueue
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.settings import Settings
from metrology_svc.stamps.checking import Check, check_code
from metrology_svc.stamps.keys import keyring_for
from metrology_svc.stamps.models import RevokeReason
from metrology_svc.stamps.repository import StampRepository
from metrology_svc.stamps.rules import State
from metrology_svc.stamps.service import revoke_stamp

# A finding raises a notice only where a notice kind's words are true of it: an expired stamp
# is an overdue recall ("past its verification date since {due}", keyed on the instrument's
# due date, so the due scan's recall and this one are the same notice). No kind says "seal
# broken" or "error beyond the in-service limit" (no verification took place): those reach
# the party through the result notice (inspection_papers) instead of a letter that would say
# a verification failed.
NOTICE_KINDS = {"overdue_recall": NoticeKind.OVERDUE_RECALL}
# What the stamp check must say of a code for a stamp_forged finding: not a stamp we issued.
NOT_GENUINE = (State.FORGED, State.MALFORMED, State.UNKNOWN)


def _out_of_range() -> Invalid:
    return Invalid(
        "A value is out of range for what can be stored.",
        message_vi="Có giá trị vượt quá phạm vi lưu trữ.",
    )


@dataclass(frozen=True, slots=True)
class _Context:
    session: Session
    user: Principal
    inspection: Inspection
    settings: Settings
    today: date
    now: datetime
    book: Rulebook


def _check(ctx: _Context, code: str) -> Check:
    return check_code(
        StampRepository(ctx.session).view,
        keyring_for(ctx.settings),
        code,
        today=ctx.inspection.inspected_on,
        expiring_days=ctx.settings.stamp_expiring_days,
    )


def _forged(check: Check, item: FindingIn) -> tuple[int | None, int | None, str]:
    """Accept a stamp_forged finding only when the stamp check finds the code not genuine, or
    a genuine code of another instrument (a copy); the copied stamp is recorded, not acted on."""
    if check.state in NOT_GENUINE:
        return None, None, str(check.state)
    if check.view is not None and item.instrument_id not in (None, check.view.instrument_id):
        return check.view.stamp_id, None, "copied"
    raise Invalid(
        f"The stamp check finds this code genuine ({check.state}) for this instrument: "
        "give the instrument the copy was found on.",
        message_vi="Kiểm tra tem cho thấy mã này là tem thật của phương tiện đo này: hãy chọn "
        "phương tiện đo mang tem sao chép.",
        loc=["stamp_code"],
    )


def _stamp_of(ctx: _Context, item: FindingIn) -> tuple[int | None, int | None, str | None]:
    """Return (stamp id, instrument id, check state) of the scanned code, refusing codes that
    are not ours (except on a stamp_forged finding, which the stamp check must confirm)."""
    if not item.stamp_code:
        return None, None, None
    check = _check(ctx, item.stamp_code)
    if item.kind is FindingKind.STAMP_FORGED:
        return _forged(check, item)
    if check.view is None:
        raise Invalid(
            f"The scanned code is not a genuine stamp ({check.state}); record it as "
            "stamp_forged, or the instrument as no_stamp with a note.",
            message_vi="Mã quét được không phải tem kiểm định hợp lệ; ghi nhận là tem giả mạo, "
            "hoặc không có tem kèm ghi chú.",
            loc=["stamp_code"],
        )
    if item.kind is FindingKind.EXPIRED_STAMP and check.state in (State.VALID, State.EXPIRING):
        raise Invalid(
            f"The scanned stamp is valid until {check.view.valid_until.isoformat()}.",
            message_vi=f"Tem quét được còn hiệu lực đến {check.view.valid_until:%d/%m/%Y}.",
            loc=["kind"],
        )
    return check.view.stamp_id, check.view.instrument_id, str(check.state)


def _instrument(ctx: _Context, item: FindingIn, from_stamp: int | None) -> Instrument | None:
    if None not in (item.instrument_id, from_stamp) and item.instrument_id != from_stamp:
        raise Invalid(
            "The scanned stamp belongs to another instrument.",
            message_vi="Tem quét được thuộc phương tiện đo khác.",
            loc=["instrument_id"],
        )
    instrument_id = item.instrument_id if item.instrument_id is not None else from_stamp
    if instrument_id is None:
        return None
    repo = InstrumentRepository(ctx.session)
    instrument = repo.get(instrument_id)
    if instrument is None:
        raise Invalid(
            f"No instrument {instrument_id}.",
            message_vi=f"Không có phương tiện đo {instrument_id}.",
            loc=["instrument_id"],
        )
    ctx.user.require_write(repo.unit_path_of(instrument_id))
    return instrument


def _revoke(
    ctx: _Context, finding: InspectionFinding, instrument_id: int, reason: RevokeReason
) -> None:
    day = ctx.inspection.inspected_on
    note = f"Kiểm tra số {ctx.inspection.id} ngày {day:%d/%m/%Y}: {finding.kind}"
    for stamp in StampRepository(ctx.session).valid_for_instrument(instrument_id):
        revoke_stamp(
            ctx.session, stamp=stamp, reason=reason, note=note, actor=ctx.user, today=ctx.today
        )
        assert stamp.id is not None
        finding.revoked_stamp_ids = [*finding.revoked_stamp_ids, stamp.id]


def _notify(ctx: _Context, consequence: rules.Consequence, instrument: Instrument) -> int:
    """Raise the notice whose words are true of the finding, if there is one."""
    kind = NOTICE_KINDS.get(consequence.notice or "")
    due = instrument.due_date
    if kind is None or instrument.id is None or due is None or due >= ctx.inspection.inspected_on:
        return 0
    return enqueue(ctx.session, kind=kind, instrument_id=instrument.id, due_date=due, now=ctx.now)


def _propose(ctx: _Context, finding: InspectionFinding, consequence: rules.Consequence) -> None:
    """Record the measures a finding's consequence calls for (once: the finding is stored once)."""
    assert finding.id is not None
    assert ctx.inspection.id is not None
    kinds = [
        (consequence.suspension, MeasureKind.SUSPENSION),
        (consequence.verification_request, MeasureKind.VERIFICATION_REQUEST),
        (consequence.violation, MeasureKind.VIOLATION_PROPOSAL),
    ]
    for wanted, kind in kinds:
        if not wanted or (
            kind is not MeasureKind.VIOLATION_PROPOSAL and finding.instrument_id is None
        ):
            continue
        words = rules.FINDING_WORDS[finding.kind][0]
        said = f"{words}: {finding.note}" if finding.note else words
        InspectionRepository(ctx.session).add(
            InspectionMeasure(
                inspection_id=ctx.inspection.id,
                kind=kind,
                instrument_id=finding.instrument_id,
                finding_id=finding.id,
                after_repair=consequence.after_repair and kind is MeasureKind.VERIFICATION_REQUEST,
                note=said if kind is MeasureKind.VIOLATION_PROPOSAL else "",
                status_after=finding.status_after if kind is MeasureKind.SUSPENSION else None,
                recorded_by_user_id=finding.recorded_by_user_id,
                recorded_at=ctx.now,
            )
        )


def _apply(ctx: _Context, finding: InspectionFinding, instrument: Instrument) -> None:
    """Revoke stamps, set the status, raise a true notice, record the event."""
    assert instrument.id is not None
    assert finding.id is not None
    consequence = rules.consequence_of(finding.kind)
    before = instrument.status
    finding.status_before = finding.status_after = str(before)
    if consequence is not None:
        if consequence.revoke_reason is not None:
            _revoke(ctx, finding, instrument.id, consequence.revoke_reason)
        if consequence.status is not None:
            after = apply_change(
                instrument,
                Finding(consequence.status),
                today=ctx.today,
                due_soon_days=ctx.settings.due_soon_days,
            ).status_after
            finding.status_after = str(after)
        finding.notices_created = _notify(ctx, consequence, instrument)
    record_event(
        ctx.session,
        instrument_id=instrument.id,
        kind="inspection_finding",
        actor=ctx.user,
        detail={
            "inspection_id": ctx.inspection.id,
            "finding_id": finding.id,
            "finding": str(finding.kind),
            "from": finding.status_before,
            "to": finding.status_after,
            "revoked_stamp_ids": finding.revoked_stamp_ids,
        },
    )


def _check_expiry(ctx: _Context, item: FindingIn, instrument: Instrument | None) -> None:
    """Refuse an expired_stamp (no code scanned) on an instrument the register holds valid."""
    if item.kind is not FindingKind.EXPIRED_STAMP or item.stamp_code or instrument is None:
        return
    due = instrument.due_date
    if due is not None and due >= ctx.inspection.inspected_on:
        raise Invalid(
            f"The register holds this instrument verified until {due.isoformat()}.",
            message_vi=f"Theo sổ theo dõi, phương tiện đo còn hạn kiểm định đến {due:%d/%m/%Y}.",
            loc=["kind"],
        )


def _store(ctx: _Context, item: FindingIn) -> InspectionFinding:
    if ctx.inspection.closed_at is not None:
        raise Conflict(
            "The inspection is closed; open a new one for new findings.",
            message_vi="Cuộc kiểm tra đã kết thúc; hãy mở cuộc kiểm tra mới.",
            loc=["client_uuid"],
        )
    stamp_id, from_stamp, stamp_state = _stamp_of(ctx, item)
    instrument = _instrument(ctx, item, from_stamp)
    if instrument is None and item.kind in rules.NEEDS_INSTRUMENT:
        raise Invalid(
            "This finding needs the instrument it is about.",
            message_vi="Kết quả kiểm tra này phải gắn với một phương tiện đo.",
            loc=["instrument_id"],
        )
    _check_expiry(ctx, item, instrument)
    points = judge(ctx.session, ctx.book, instrument, item, on=ctx.inspection.inspected_on)
    assert ctx.inspection.id is not None
    finding = InspectionFinding(
        client_uuid=str(item.client_uuid),
        inspection_id=ctx.inspection.id,
        kind=item.kind,
        instrument_id=instrument.id if instrument else None,
        stamp_id=stamp_id,
        stamp_state=stamp_state,
        goods=item.goods.strip(),
        note=item.note,
        latitude=item.latitude,
        longitude=item.longitude,
        observed_at=item.observed_at,
        points=points,
        recorded_by_user_id=ctx.user.user_id,
        recorded_at=ctx.now,
    )
    InspectionRepository(ctx.session).add(finding)  # a duplicate UUID fails here
    if instrument is not None:
        _apply(ctx, finding, instrument)
    consequence = rules.consequence_of(item.kind)
    if consequence is not None:
        _propose(ctx, finding, consequence)
    ctx.session.flush()
    return finding


def _rejected(index: int, uuid: str | None, err: DomainError) -> SyncItemResult:
    return SyncItemResult.model_validate(rejection(index, uuid, err, "items"))


def _parse(index: int, raw: Any) -> FindingIn | SyncItemResult:
    item = parse_entry(FindingIn, raw, what_en="finding", what_vi="Kết quả kiểm tra")
    return _rejected(index, sent_uuid(raw), item) if isinstance(item, Invalid) else item


def _one(
    ctx: _Context, index: int, item: FindingIn, stored: dict[str, tuple[int, int]]
) -> SyncItemResult:
    uuid = str(item.client_uuid)
    if uuid in stored:
        finding_id, inspection_id = stored[uuid]
        if inspection_id != ctx.inspection.id:
            err = Conflict(
                "This UUID belongs to a finding of another inspection.",
                message_vi="Mã UUID này thuộc kết quả của cuộc kiểm tra khác.",
                loc=["client_uuid"],
            )
            return _rejected(index, uuid, err)
        return SyncItemResult(
            index=index, client_uuid=uuid, status="duplicate", finding_id=finding_id
        )
    try:
        with ctx.session.begin_nested():
            finding = _store(ctx, item)
    except DomainError as err:
        return _rejected(index, uuid, err)
    except (DataError, OverflowError):
        return _rejected(index, uuid, _out_of_range())
    except IntegrityError:
        # Another request stored the same UUID a moment ago: it is a resend after all.
        again = InspectionRepository(ctx.session).stored_uuids([uuid])
        if uuid not in again:
            raise
        stored[uuid] = again[uuid]
        return _one(ctx, index, item, stored)
    assert finding.id is not None
    stored[uuid] = (finding.id, finding.inspection_id)
    return SyncItemResult(index=index, client_uuid=uuid, status="created", finding_id=finding.id)


def sync_findings(
    session: Session,
    user: Principal,
    inspection_id: int,
    items: list[Any],
    *,
    settings: Settings,
    today: date,
) -> SyncResult:
    """Store a batch of findings: new ones once (with consequences), resends as duplicates."""
    inspection, _site, unit = get_inspection(session, user, inspection_id)
    user.require_write(unit.path)
    ctx = _Context(session, user, inspection, settings, today, utcnow(), load_rulebook(session))
    parsed = [_parse(i, raw) for i, raw in enumerate(items)]
    uuids = [str(p.client_uuid) for p in parsed if isinstance(p, FindingIn)]
    stored = InspectionRepository(session).stored_uuids(uuids)
    results: list[SyncItemResult] = [
        p if isinstance(p, SyncItemResult) else _one(ctx, i, p, stored)
        for i, p in enumerate(parsed)
    ]
    _audit_created(ctx, results)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("created", "duplicate")}
    return SyncResult(
        created=counts["created"],
        duplicate=counts["duplicate"],
        rejected=len(results) - counts["created"] - counts["duplicate"],
        items=results,
    )


def _audit_created(ctx: _Context, results: list[SyncItemResult]) -> None:
    """Audit the batch's new findings at once, with their points (the legal record)."""
    ids = [r.finding_id for r in results if r.status == "created" and r.finding_id is not None]
    keep = {
        "inspection_id",
        "kind",
        "instrument_id",
        "stamp_id",
        "stamp_state",
        "goods",
        "note",
        "observed_at",
        "points",
        "status_before",
        "status_after",
        "revoked_stamp_ids",
        "client_uuid",
    }
    # Each was stored in this session a moment ago: get() answers from the identity map.
    findings = [ctx.session.get(InspectionFinding, i) for i in ids]
    entries = [
        Entry("inspection.finding", "inspection_finding", f.id, f.model_dump(include=keep))
        for f in findings
        if f is not None
    ]
    audit_many(ctx.session, actor=ctx.user, entries=entries)
