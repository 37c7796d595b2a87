"""HTTP endpoints for a market's control scales: devices, consumer checks, sellers, live feed."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import NotFound
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep
from metrology_svc.readings import evidence, rules
from metrology_svc.readings.check_queries import indications_by_seller
from metrology_svc.readings.feed import stream as feed_stream
from metrology_svc.readings.judgement import checks_public
from metrology_svc.readings.models import Device, Seller
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.readings.schemas import (
    DevicePublic,
    InspectionRequestPublic,
    RequestClose,
    SellerEvidence,
    SellerPublic,
)
from metrology_svc.sites.service import get_site

router = APIRouter(prefix="/sites/{site_id}", tags=["control scales"])


def _device_public(device: Device, *, offline_minutes: int) -> DevicePublic:
    quiet = rules.silent_minutes(last_received_at=device.last_received_at, now=utcnow())
    return DevicePublic.model_validate(
        {
            **device.model_dump(exclude={"credential_hash"}),
            "silent_minutes": quiet,
            # Judged here too, so the answer holds even when no ingest is sweeping.
            "offline": device.offline or (quiet is not None and quiet > offline_minutes),
            "trusted": device.untrusted_since is None,
        }
    )


@router.get("/devices", response_model=list[DevicePublic])
def list_devices(
    site_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> list[DevicePublic]:
    """List a market's connected control scales with their liveness."""
    get_site(session, user, site_id)
    return [
        _device_public(d, offline_minutes=settings.device_offline_minutes)
        for d in ReadingRepository(session).devices_at([site_id])
    ]


def seller_public(seller: Seller, indications: dict[tuple[str, str], int]) -> SellerPublic:
    """Return a seller's API shape with its indications (checks that are not evidence)."""
    found = indications.get((seller.ref_kind, seller.ref), 0)
    return SellerPublic.model_validate({**seller.model_dump(), "indications": found})


@router.get("/sellers", response_model=list[SellerPublic])
def list_sellers(site_id: int, session: SessionDep, user: CurrentUser) -> list[SellerPublic]:
    """List a market's sellers with check statistics, most short-weighing first.

    `shortfalls` counts checks short under a binding table; `indications` those beyond the
    tolerance of a reference table (chênh lệch, tham khảo), which never count against a seller.
    """
    get_site(session, user, site_id)
    sellers = ReadingRepository(session).sellers_at(site_id)
    found = indications_by_seller(session, site_id)
    return [seller_public(s, found) for s in sellers]


@router.get("/sellers/{seller_id}/evidence", response_model=SellerEvidence)
def seller_evidence(
    site_id: int,
    seller_id: int,
    session: SessionDep,
    user: CurrentUser,
    only_short: bool = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SellerEvidence:
    """Return a seller's statistics and latest checks (by default only the short ones).

    Each check says whether it was judged under a binding table (`binding`), by which rule
    (`rule`), and what its figure is: a shortfall (thiếu) or a deviation (chênh lệch, tham khảo).
    """
    get_site(session, user, site_id)
    repo = ReadingRepository(session)
    seller = repo.seller_by_id(seller_id)
    if seller is None or seller.site_id != site_id:
        raise NotFound(
            f"No seller {seller_id} at site {site_id}.",
            message_vi=f"Không có người bán {seller_id} tại địa điểm {site_id}.",
        )
    checks = repo.seller_checks(seller, only_short=only_short, limit=limit)
    return SellerEvidence(
        seller=seller_public(seller, indications_by_seller(session, site_id)),
        checks=checks_public(session, checks),
    )


@router.get("/inspection-requests", response_model=list[InspectionRequestPublic])
def list_requests(
    site_id: int,
    session: SessionDep,
    user: CurrentUser,
    status: Literal["open", "notified", "closed"] | None = None,
) -> list[InspectionRequestPublic]:
    """List out-of-cycle inspection requests raised at a market."""
    get_site(session, user, site_id)
    found = ReadingRepository(session).requests(
        site_ids=[site_id], status=status, after_id=0, limit=1000
    )
    return [InspectionRequestPublic.model_validate(r, from_attributes=True) for r in found]


@router.post("/inspection-requests/{request_id}/close", response_model=InspectionRequestPublic)
def close_request(
    site_id: int,
    request_id: int,
    data: RequestClose,
    session: SessionDep,
    user: CurrentUser,
) -> InspectionRequestPublic:
    """Close an out-of-cycle inspection request once the scale has been inspected."""
    _site, unit = get_site(session, user, site_id)
    user.require_write(unit.path)
    closed = evidence.close_request(
        ReadingRepository(session), user, site_id=site_id, request_id=request_id,
        outcome=data.outcome,
    )  # fmt: skip
    return InspectionRequestPublic.model_validate(closed, from_attributes=True)


@router.get("/feed", response_class=StreamingResponse)
def feed(
    site_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    max_seconds: Annotated[float, Query(ge=0, le=3600)] = 600,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Stream a market's consumer checks and inspection requests as server-sent events.

    Each event's id is the feed's position ("c{check id}.r{request id}"). Reconnect with it
    as Last-Event-ID to get exactly what was missed (up to 500 events; beyond, a `gap` event
    says how many were skipped); any other value starts afresh with the latest events.
    """
    get_site(session, user, site_id)
    base = f"/api/v1/sites/{site_id}"
    stream = feed_stream(
        request,
        site_id,
        last_event_id=last_event_id,
        reload=[f"{base}/sellers", f"{base}/inspection-requests"],
        max_seconds=max_seconds,
        poll_s=settings.feed_poll_seconds,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
