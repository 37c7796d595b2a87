"""Market pages: the control scales' live feed (server-sent events) and the sellers flagged."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from metrology_svc.core.clock import utcnow
from metrology_svc.core.pagination import PageParams
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.readings import rules as reading_rules
from metrology_svc.readings.check_queries import indications_by_seller, latest_flagged, rules_at
from metrology_svc.readings.feed import stream as feed_stream
from metrology_svc.readings.judgement import check_public, rule_infos
from metrology_svc.readings.repository import ReadingRepository
from metrology_svc.sites.models import SiteKind
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.sites.service import get_site
from metrology_svc.web.dashboard import scope_of
from metrology_svc.web.deps import PageUser
from metrology_svc.web.render import render

router = APIRouter(prefix="/web/markets", include_in_schema=False)
LATEST_CHECKS = 20


@router.get("", response_class=HTMLResponse)
def markets(request: Request, session: SessionDep, user: PageUser) -> HTMLResponse:
    """List the markets in the user's units."""
    rows, total = SiteRepository(session).page(
        params=PageParams(limit=1000), kind=SiteKind.MARKET, unit_path=None, paths=scope_of(user)
    )
    return render(request, "markets.html.j2", user=user, rows=rows, total=total)


@router.get("/{site_id}", response_class=HTMLResponse)
def market(
    site_id: int, request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> HTMLResponse:
    """Show a market's control scales, its flagged sellers, the rules that judged and the feed.

    A seller is flagged by shortfalls under a binding table (evidence) or by deviations under a
    reference table (chênh lệch, tham khảo: shown, never evidence); each check names its rule.
    """
    site, unit = get_site(session, user, site_id)
    repo = ReadingRepository(session)
    now = utcnow()
    devices = []
    for d in repo.devices_at([site_id]):
        quiet = reading_rules.silent_minutes(last_received_at=d.last_received_at, now=now)
        offline = d.offline or (quiet is not None and quiet > settings.device_offline_minutes)
        devices.append((d, "offline" if offline else "never" if quiet is None else "online"))
    found = indications_by_seller(session, site_id)
    sellers = [
        (s, found.get((s.ref_kind, s.ref), 0))
        for s in repo.sellers_at(site_id)
        if s.shortfalls > 0 or s.suspect_since or found.get((s.ref_kind, s.ref))
    ]
    requests = repo.requests(site_ids=[site_id], status="open", after_id=0, limit=100)
    counts = rules_at(session, site_id)
    latest = latest_flagged(session, site_id, limit=LATEST_CHECKS)
    infos = rule_infos(session, [c[0] for c in counts] + [r.shortfall_rule_id for r in latest])
    return render(
        request,
        "market.html.j2",
        user=user,
        site=site,
        unit=unit,
        devices=devices,
        sellers=sellers,
        requests=requests,
        rules=[(infos.get(rule_id or 0), n, short, ind) for rule_id, n, short, ind in counts],
        checks=[check_public(r, infos) for r in latest],
        infos=infos,
    )


@router.get("/{site_id}/feed")
def feed(
    site_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    max_seconds: Annotated[float, Query(ge=0, le=3600)] = 600,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Stream the market's checks for the page, authenticated by the session cookie.

    The same stream as GET /api/v1/sites/{id}/feed, whose bearer token a browser's
    EventSource cannot send. The browser resumes it by itself: on reconnecting, EventSource
    sends the last event's id as Last-Event-ID.
    """
    get_site(session, user, site_id)
    stream = feed_stream(
        request,
        site_id,
        last_event_id=last_event_id,
        reload=[f"/web/markets/{site_id}"],
        max_seconds=max_seconds,
        poll_s=settings.feed_poll_seconds,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
