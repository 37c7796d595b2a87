"""The acknowledgement page a notice's short link opens: GET shows, only its button's POST acts.

Mail scanners and link previews open every link in a message; the page they fetch changes
nothing. The signed token in the path is the capability (no account, no session), so the
form needs no other CSRF token; X-Frame-Options DENY keeps the button out of other sites'
frames. Refusals are pages too (400, 404, 410), never JSON, in Vietnamese then English.
"""

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import DomainError
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.notices import service
from metrology_svc.notices.links import ACK_PAGE_PREFIX, linked_notice, notice_of_link
from metrology_svc.web.render import render

router = APIRouter(include_in_schema=False)
PATH = ACK_PAGE_PREFIX + "{token}"


@router.get(PATH, response_class=HTMLResponse)
def show(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """Show the notice a link names and a button to acknowledge it; change nothing."""
    try:
        notice = notice_of_link(
            session,
            secret=service.link_secret(settings),
            token=token,
            today=utcnow().date(),
            link_days=settings.notice_ack_link_days,
        )
    except DomainError as exc:
        return _refused(request, exc)
    return _page(request, token=token, found=linked_notice(session, notice))


@router.post(PATH, response_class=HTMLResponse)
def confirm(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """Acknowledge the notice (the first time counts), then show the page again."""
    try:
        service.acknowledge(session, token=token, now=utcnow(), settings=settings)
    except DomainError as exc:
        return _refused(request, exc)
    # Post/redirect/get: reloading the answer does not post again. Relative (the token is
    # the last segment), so it holds behind a proxy that mounts the service under a prefix.
    return RedirectResponse(quote(token, safe=""), status_code=303)


def _page(request: Request, **context: Any) -> HTMLResponse:
    response = render(request, "ack.html.j2", user=None, **context)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(request: Request, exc: DomainError) -> HTMLResponse:
    response = _page(request, found=None, token="", error=exc)
    response.status_code = exc.status_code
    return response
