"""State inspection pages: the list, opening one at a site, and the field page.

The field page records findings, measurement checks and measures in the browser first
(IndexedDB) and sends them to the sync route below (web.field_sync: the same exactly-once
functions as the API): every entry carries its own client_uuid, so a resend is answered
"duplicate". It works offline as an installable app (web.field_offline): its service worker,
its manifest and the status list of the site's stamps are served here too.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.pagination import PageParams
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.inspections import service
from metrology_svc.inspections.models import FindingKind, MeasureKind
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.schemas import InspectionCreate
from metrology_svc.measurement_checks.models import CheckKind
from metrology_svc.measurement_checks.service import list_checks
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.web import field_offline, field_sync
from metrology_svc.web.dashboard import scope_of
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.forms import clean, form_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.render import STATIC, render
from metrology_svc.web.texts import page_words

router = APIRouter(prefix="/web/inspections", include_in_schema=False)
DECODER = STATIC / "vendor" / "jsQR.js"


def _sites(session: Session, user: Principal) -> list[tuple[int, str]]:
    rows, _ = SiteRepository(session).page(
        params=PageParams(limit=1000), kind=None, unit_path=None, paths=scope_of(user)
    )
    return [(site.id or 0, f"{site.name} ({unit.name})") for site, unit in rows]


def _list(
    request: Request,
    session: Session,
    user: Principal,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
) -> HTMLResponse:
    repo = InspectionRepository(session)
    rows, total = repo.page(
        visible_paths=scope_of(user),
        unit_path=None,
        site_id=None,
        first=None,
        last=None,
        open_only=False,
        limit=200,
        offset=0,
    )
    counts = repo.kind_counts([r[0].id for r in rows if r[0].id is not None])
    items = [service.to_public(r, counts.get(r[0].id or 0, {})) for r in rows]
    response = render(
        request,
        "inspections.html.j2",
        user=user,
        w=page_words(lang_of(request)),
        items=items,
        total=total,
        sites=_sites(session, user),
        values=values,
        errors=errors,
        status_code=422 if errors else 200,
    )
    return _for_user(response, user)


def _for_user(response: HTMLResponse, user: Principal) -> HTMLResponse:
    """Mark a page the service worker may keep offline with its user (web.field_offline)."""
    response.headers[field_offline.USER_HEADER] = str(user.user_id)
    return response


@router.get("/sw.js")
def service_worker() -> Response:
    """Serve the field app's service worker (Workbox, this build's shell list), scope /web/."""
    return Response(
        field_offline.worker_source(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/web/", "Cache-Control": "no-cache"},
    )


@router.get("/app.webmanifest")
def web_manifest(request: Request) -> JSONResponse:
    """Serve the field app's web app manifest in the request's language."""
    return JSONResponse(
        field_offline.manifest(lang_of(request)),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("", response_class=HTMLResponse)
def inspections(
    request: Request, session: SessionDep, user: PageUser, today: TodayDep
) -> HTMLResponse:
    """List the inspections in the user's units, newest first, and the form to open one."""
    values = {"site_id": None, "inspector": user.name, "inspected_on": today.isoformat()}
    return _list(request, session, user, values=values, errors={})


@router.post("", response_class=HTMLResponse)
def open_inspection(
    request: Request, session: SessionDep, user: PageUser, today: TodayDep, form: FormDep
) -> Response:
    """Open an inspection at a site through inspections.service; go to its field page."""
    values = clean(form, ["site_id", "inspector", "inspected_on", "note"])
    with form_errors(lang=lang_of(request)) as errors:
        data = InspectionCreate.model_validate(
            {**{k: v for k, v in values.items() if v is not None}, "note": values["note"] or ""}
        )
        placed = service.create_inspection(session, user, data, today=today)
        session.flush()
        return RedirectResponse(f"/web/inspections/{placed[0].id}", status_code=303)
    return _list(request, session, user, values=values, errors=errors)


@router.get("/{inspection_id}", response_class=HTMLResponse)
def field_page(
    inspection_id: int, request: Request, session: SessionDep, user: PageUser
) -> HTMLResponse:
    """The field page: scan stamps, record findings, measurement checks and measures offline,
    sync them each exactly once."""
    placed = service.get_inspection(session, user, inspection_id)
    detail = service.detail(session, placed)
    writable = user.role != "viewer" and user.covers(placed[2].path)
    response = render(
        request,
        "inspection.html.j2",
        user=user,
        w=page_words(lang_of(request)),
        i=detail,
        writable=writable,
        kinds=[k.value for k in FindingKind],
        measure_kinds=[k.value for k in MeasureKind],
        check_kinds=[k.value for k in CheckKind],
        checks=list_checks(session, user, inspection_id),
        decoder=DECODER.exists(),
        fw=field_offline.words(lang_of(request)),
    )
    return _for_user(response, user)


@router.get("/{inspection_id}/stamps.json")
def stamp_status_list(
    inspection_id: int, session: SessionDep, settings: SettingsDep, today: TodayDep, user: PageUser
) -> JSONResponse:
    """List the stamps at the inspection's site with their state today, for checks made
    offline (read-only, within the user's units)."""
    body = field_offline.status_list(
        session,
        user,
        inspection_id,
        today=today,
        expiring_days=settings.stamp_expiring_days,
    )
    headers = {field_offline.USER_HEADER: str(user.user_id), "Cache-Control": "no-store"}
    return JSONResponse(body, headers=headers)


@router.post("/{inspection_id}/findings/sync")
def sync_findings(
    inspection_id: int,
    session: SessionDep,
    settings: SettingsDep,
    today: TodayDep,
    user: PageUser,
    form: FormDep,
) -> JSONResponse:
    """Store the page's queued findings, measures and measurement checks (web.field_sync: the
    API's exactly-once functions, numbers read the Vietnamese way).

    A form post like every page's (its CSRF token in the field csrf), each list as JSON in the
    fields items, measures and checks; the answer gives each entry's outcome in order.
    """
    result = field_sync.sync_field_batch(
        session,
        user,
        inspection_id,
        dict(form),
        settings=settings,
        today=today,
    )
    return JSONResponse(result)
