"""The notices ledger: delivery status per notice, resend a failed delivery, print the letter."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.notices import service
from metrology_svc.notices.models import NoticeKind
from metrology_svc.notices.router import letter_response
from metrology_svc.web.dashboard import scope_of
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.queries import notices_ledger
from metrology_svc.web.render import render

router = APIRouter(prefix="/web/notices", include_in_schema=False)
PAGE = 50


@router.get("", response_class=HTMLResponse)
def ledger(
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    kind_code: Annotated[str, Query(alias="kind", max_length=32)] = "",
    unreached: Annotated[str, Query(alias="no_recipient", max_length=8)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """List the notices of the user's units, newest first, with each channel's last attempt.

    `no_recipient=1` lists only the notices nobody is set up to receive (the office has them).
    """
    try:
        kind = NoticeKind(kind_code) if kind_code else None  # the form sends "" for all
    except ValueError as exc:
        raise Invalid("Unknown notice kind.", message_vi="Loại thông báo không hợp lệ.") from exc
    only_unreached = unreached in ("1", "on", "true")
    rows, total = notices_ledger(
        session,
        scope_of(user),
        kind=kind.value if kind else None,
        offset=offset,
        limit=PAGE,
        office_email=settings.notice_office_email,
        no_recipient=only_unreached,
    )
    base = [("kind", kind.value)] if kind else []
    base += [("no_recipient", "1")] if only_unreached else []

    def href(at: int) -> str:
        return "/web/notices?" + urlencode([*base, ("offset", str(at))])

    return render(
        request,
        "notices.html.j2",
        user=user,
        rows=rows,
        total=total,
        kinds=[k.value for k in NoticeKind],
        kind=kind.value if kind else "",
        no_recipient=only_unreached,
        requeued=request.query_params.get("requeued"),
        prev=href(max(offset - PAGE, 0)) if offset else None,
        next_href=href(offset + PAGE) if offset + PAGE < total else None,
    )


@router.post("/{notice_id}/resend")
def resend(notice_id: int, session: SessionDep, user: PageUser, _form: FormDep) -> Response:
    """Queue a new attempt on every channel whose last attempt failed."""
    queued = service.resend(session, user, notice_id, now=utcnow())
    return RedirectResponse(f"/web/notices?requeued={queued}#n-{notice_id}", status_code=303)


@router.get("/{notice_id}/letter.pdf")
def letter(notice_id: int, session: SessionDep, user: PageUser, settings: SettingsDep) -> Response:
    """Return the printable letter (the same response as the API's)."""
    return letter_response(session, user, notice_id, settings=settings)
