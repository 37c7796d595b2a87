"""Dependencies of the web pages: the logged-in user from the session cookie, and CSRF."""

from typing import Annotated

from fastapi import Depends, Request

from metrology_svc.auth.credentials import password_stamp
from metrology_svc.auth.models import Role, User
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.core.errors import DomainError, Forbidden
from metrology_svc.deps import SessionDep
from metrology_svc.web.session import SESSION_COOKIE, csrf_ok, read_session, secret_of

# The pages are for office staff and inspectors; any other role (e.g. an owner portal
# account) gets no session here.
STAFF = (Role.ADMIN.value, Role.INSPECTOR.value, Role.VIEWER.value)


class LoginRequired(DomainError):
    """No valid session: the page redirects to the login form."""

    status_code = 401
    code = "login_required"


def principal_from_cookie(request: Request, session: SessionDep) -> Principal | None:
    """Return the principal of a valid session cookie, or None."""
    found = read_session(
        secret_of(request),
        request.cookies.get(SESSION_COOKIE),
        bound_of=lambda user_id: password_stamp(session, user_id),
    )
    if found is None:
        return None
    user = session.get(User, found.user_id)
    if user is None or user.disabled or user.id is None or user.role not in STAFF:
        return None
    principal = Principal(
        user_id=user.id,
        name=user.name,
        role=user.role,
        unit_paths=AuthRepository(session).unit_paths(user.id),
    )
    request.state.web_user = principal
    request.state.web_nonce = found.nonce
    return principal


def page_user(request: Request, session: SessionDep) -> Principal:
    """Return the logged-in user, or send the browser to the login page."""
    principal = principal_from_cookie(request, session)
    if principal is None:
        raise LoginRequired("Log in first.", message_vi="Vui lòng đăng nhập.")
    return principal


PageUser = Annotated[Principal, Depends(page_user)]


async def posted_form(request: Request) -> dict[str, list[str]]:
    """Return every text field of a POSTed form, each with all its values in order."""
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


PostedDep = Annotated[dict[str, list[str]], Depends(posted_form)]


def checked_form(request: Request, user: PageUser, posted: PostedDep) -> dict[str, str]:
    """Return a POSTed form (last value of each field) after checking its CSRF token."""
    data = {k: v[-1] for k, v in posted.items()}
    if not csrf_ok(secret_of(request), request.state.web_nonce, data.get("csrf")):
        raise Forbidden(
            "The form's security token is missing or wrong; reload the page.",
            message_vi="Thiếu hoặc sai mã bảo vệ biểu mẫu; vui lòng tải lại trang.",
        )
    return data


FormDep = Annotated[dict[str, str], Depends(checked_form)]
