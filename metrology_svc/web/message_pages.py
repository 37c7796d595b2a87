"""Account messages on the pages: a banner on the dashboard until the holder marks it read."""

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from metrology_svc.auth.service import mark_read
from metrology_svc.deps import SessionDep
from metrology_svc.web.deps import FormDep, PageUser

router = APIRouter(prefix="/web/messages", include_in_schema=False)


@router.post("/{message_id}/read")
def read(message_id: int, session: SessionDep, user: PageUser, _form: FormDep) -> Response:
    """Mark one of the user's messages read and go back to the dashboard."""
    mark_read(session, user, message_id)
    return RedirectResponse("/web/", status_code=303)
