"""HTTP endpoints for a market's control scales: devices, consumer checks, sellers, live feed."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import NotFound
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep
from metrology_svc.readings import evidence, rules
from metrology_svc.readings.check_queries import indications_by_seller
from metrology_svc.readings.judgement import checks_public
from metrology_svc.readings.models import Device, InspectionRequest, Seller
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.readings.schemas import (
    CheckPublic,
    DevicePublic,
    InspectionRequestPublic,
    RequestClose,
    SellerEvidence,
    SellerPublic,
)
from metrology_svc.sites.service import get_site

router = APIRouter(prefix="/sites/{site_id}", tags=["control scales"])

FEED_BACKLOG = 20
FEED_BATCH = 200


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


def _event(kind: str, ident: int, data: str) -> str:
    return f"event: {kind}\nid: {kind}-{ident}\ndata: {data}\n\n"


def _poll(
    factory: Callable[[], Session], site_id: int, after: tuple[int, int]
) -> tuple[list[CheckPublic], list[InspectionRequest]]:
    with factory() as session:
        repo = ReadingRepository(session)
        checks = checks_public(session, repo.checks_after(site_id, after[0], FEED_BATCH))
        reqs = repo.requests(site_ids=[site_id], status=None, after_id=after[1], limit=FEED_BATCH)
    return checks, reqs


def _start(factory: Callable[[], Session], site_id: int) -> tuple[int, int]:
    with factory() as session:
        repo = ReadingRepository(session)
        return repo.last_check_id(site_id, FEED_BACKLOG), repo.last_request_id(
            site_id, FEED_BACKLOG
        )


async def _feed(
    request: Request, site_id: int, *, max_seconds: float, poll_s: float
) -> AsyncIterator[str]:
    factory = request.app.state.session_factory
    after = await run_in_threadpool(_start, factory, site_id)
    deadline = time.monotonic() + max_seconds
    yield ": cân đối chứng / control-scale feed\n\n"
    while True:
        checks, reqs = await run_in_threadpool(_poll, factory, site_id, after)
        for check in checks:
            yield _event("check", check.id, check.model_dump_json())
        for req in reqs:
            shape = InspectionRequestPublic.model_validate(req, from_attributes=True)
            yield _event("inspection_request", req.id or 0, shape.model_dump_json())
        after = (checks[-1].id if checks else after[0], reqs[-1].id or 0 if reqs else after[1])
        if time.monotonic() >= deadline or await request.is_disconnected():
            return
        await asyncio.sleep(poll_s)


@router.get("/feed", response_class=StreamingResponse)
def feed(
    site_id: int,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    max_seconds: Annotated[float, Query(ge=0, le=3600)] = 600,
) -> StreamingResponse:
    """Stream a market's consumer checks and inspection requests as server-sent events."""
    get_site(session, user, site_id)
    stream = _feed(request, site_id, max_seconds=max_seconds, poll_s=settings.feed_poll_seconds)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
