"""Evidence against short-weighing: per-seller statistics, suspects, out-of-cycle inspections.

Only a check short under a binding table is evidence (the ingest sets `short` only then): a
check under a reference table (R 87 as shipped) counts as a check, never as a shortfall, so it
makes no one suspect and opens no request.

Nor is a check by a control scale out of tolerance: a failed self-check makes the readings of
every device on that scale untrusted from its time on, until the scale passes a verification
recorded after it. Trust belongs to the instrument, so all its devices carry one untrusted_since.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, NotFound
from metrology_svc.instruments.service import record_event
from metrology_svc.readings.models import Device, InspectionRequest, Seller
from metrology_svc.readings.repository import ReadingRepository


def by_instrument(devices: Iterable[Device]) -> dict[int, list[Device]]:
    """Group devices by the control scale they are bound to."""
    out: dict[int, list[Device]] = defaultdict(list)
    for device in devices:
        out[device.instrument_id].append(device)
    return out


def settle_trust(repo: ReadingRepository, scales: Mapping[int, Sequence[Device]]) -> None:
    """Give every device of each scale the scale's trust; a passing verification restores it.

    The earliest untrusted_since of a scale's devices is the scale's, so a device added after a
    failure, or one distrusted alone before trust moved to the scale, is brought in line.
    """
    for instrument_id, devices in scales.items():
        held = [d.untrusted_since for d in devices]  # ORM reads cost: once per device
        if not any(held):
            continue  # a trusted scale, as in nearly every batch
        earliest = min(t for t in held if t is not None)
        ended = repo.passed_verification_since(instrument_id, earliest)
        since = None if ended else earliest
        for device, was in zip(devices, held, strict=True):
            if was != since:
                device.untrusted_since = since


def distrust(
    repo: ReadingRepository, instrument_id: int, devices: Sequence[Device], at: datetime
) -> bool:
    """Distrust a scale's devices from a failed self-check's time; tell whether it did.

    A verification passed after that time has already ended the period: nothing to do.
    """
    if repo.passed_verification_since(instrument_id, at):
        return False
    for device in devices:
        if device.untrusted_since is None or at < device.untrusted_since:
            device.untrusted_since = at
    return True


def update_sellers(
    repo: ReadingRepository, checks: list[dict[str, Any]], *, threshold: int, window_days: int
) -> list[int]:
    """Add new trusted consumer checks to their sellers; return inspection requests opened."""
    groups: dict[tuple[int, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in checks:
        groups[(row["site_id"], row["seller_ref_kind"], row["seller_ref"])].append(row)
    known = repo.sellers_for(list(groups))
    requests = []
    for key, rows in groups.items():
        seller = known.get(key)
        if seller is None:
            site_id, kind, ref = key
            seller = Seller(site_id=site_id, ref_kind=kind, ref=ref)
            seller.instrument_id = repo.instrument_at_site(site_id, kind, ref)
            repo.add(seller)
        _accumulate(seller, rows)
        if any(row["short"] for row in rows) and _may_need_request(repo, seller):
            request = _maybe_request(repo, seller, threshold=threshold, window_days=window_days)
            if request is not None:
                requests.append(request)
    return requests


def _may_need_request(repo: ReadingRepository, seller: Seller) -> bool:
    # Counting the window is only worth it when it could change something: a seller not yet
    # suspect, or a suspect whose scale has no open request.
    if seller.suspect_since is None:
        return True
    return seller.instrument_id is not None and repo.open_request(seller.instrument_id) is None


def _accumulate(seller: Seller, rows: list[dict[str, Any]]) -> None:
    shorts = [row for row in rows if row["short"]]
    newest = max(row["measured_at"] for row in rows)
    seller.checks += len(rows)
    seller.shortfalls += len(shorts)
    seller.total_missing_g += sum(row["missing_g"] for row in shorts)
    seller.last_check_at = max(filter(None, [seller.last_check_at, newest]))
    if shorts:
        newest_short = max(row["measured_at"] for row in shorts)
        seller.last_short_at = max(filter(None, [seller.last_short_at, newest_short]))


def _maybe_request(
    repo: ReadingRepository, seller: Seller, *, threshold: int, window_days: int
) -> int | None:
    now = seller.last_short_at
    assert now is not None  # set by _accumulate for a group with a shortfall
    since = now - timedelta(days=window_days)
    evidence = repo.short_ids_since(seller, since)
    if len(evidence) < threshold:
        return None
    seller.suspect_since = seller.suspect_since or now
    if seller.instrument_id is None or repo.open_request(seller.instrument_id) is not None:
        return None
    # Vietnamese first, like every text the users read; the English after the slash.
    reason = (
        f"{len(evidence)} lần cân thiếu quá mức cho phép trong {window_days} ngày / "
        f"{len(evidence)} shortfalls beyond the permitted shortfall within {window_days} days"
    )
    repo.session.flush()  # the seller needs its id
    request = InspectionRequest(
        instrument_id=seller.instrument_id,
        site_id=seller.site_id,
        seller_id=seller.id,
        reason=reason,
        evidence_ids=evidence,
        open_key=seller.instrument_id,
    )
    repo.add(request)
    record_event(
        repo.session,
        instrument_id=seller.instrument_id,
        kind="suspect",
        actor=None,
        detail={"seller_id": seller.id, "evidence_ids": evidence, "reason": reason},
    )
    repo.session.flush()
    return request.id


def close_request(
    repo: ReadingRepository, user: Principal, *, site_id: int, request_id: int, outcome: str
) -> InspectionRequest:
    """Close an inspection request after the inspection; the scale may get a new one later."""
    request = repo.request_by_id(request_id)
    if request is None or request.site_id != site_id:
        raise NotFound(
            f"No inspection request {request_id} at site {site_id}.",
            message_vi=f"Không có đề nghị kiểm tra {request_id} tại địa điểm {site_id}.",
        )
    if request.status == "closed":
        raise Conflict(
            "The inspection request is already closed.",
            message_vi="Đề nghị kiểm tra đã được đóng.",
            loc=["status"],
        )
    request.status, request.closed_at, request.open_key = "closed", utcnow(), None
    record_event(
        repo.session,
        instrument_id=request.instrument_id,
        kind="inspection_request_closed",
        actor=user,
        detail={"request_id": request_id, "outcome": outcome},
    )
    detail = {
        "site_id": site_id,
        "instrument_id": request.instrument_id,
        "outcome": outcome,
        "closed_at": request.closed_at,
    }
    audit(
        repo.session,
        actor=user,
        action="inspection_request.close",
        entity="inspection_request",
        entity_id=request_id,
        detail=detail,
    )
    return request
