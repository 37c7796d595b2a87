"""Login and logout: e-mail + password → a signed, HttpOnly, SameSite=Lax session cookie."""

import secrets
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.auth.credentials import check_login, password_stamp
from metrology_svc.auth.models import Role
from metrology_svc.deps import SessionDep
from metrology_svc.web.deps import STAFF, FormDep, PostedDep, principal_from_cookie
from metrology_svc.web.i18n import lang_of, words
from metrology_svc.web.render import render
from metrology_svc.web.session import (
    NONCE_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    csrf_ok,
    make_session,
    secret_of,
    set_cookie,
)

router = APIRouter(prefix="/web", include_in_schema=False)
FAILED_LOGIN_DELAY_S = 0.3


def _safe_next(target: str | None) -> str:
    # Only our own pages: never an absolute or protocol-relative URL (open redirect).
    if target and target.startswith("/web/") and not target.startswith("//"):
        return target
    return "/web/"


def _login_page(
    request: Request, *, nonce: str, error: str | None, email: str, status_code: int = 200
) -> HTMLResponse:
    response = render(
        request,
        "login.html.j2",
        user=None,
        nonce=nonce,
        status_code=status_code,
        error=error,
        email=email,
        next=_safe_next(request.query_params.get("next")),
    )
    set_cookie(response, request, NONCE_COOKIE, nonce, 3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: SessionDep) -> Response:
    """Show the login form (or go on to the dashboard when already logged in)."""
    if principal_from_cookie(request, session) is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(16)
    return _login_page(request, nonce=nonce, error=None, email="")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, posted: PostedDep) -> Response:
    """Check the e-mail and password; on success set the session cookie and redirect."""
    # A plain function: scrypt and the failure delay run in the thread pool, not the loop.
    form = {k: v[-1] for k, v in posted.items()}
    email = str(form.get("email") or "")[:200]
    password = str(form.get("password") or "")[:1000]
    nonce = request.cookies.get(NONCE_COOKIE)
    t = words(lang_of(request))
    fresh = secrets.token_urlsafe(16)
    if not csrf_ok(secret_of(request), nonce, str(form.get("csrf") or "")):
        return _login_page(
            request, nonce=fresh, error=t["csrf_failed"], email=email, status_code=403
        )
    user = check_login(session, email=email, password=password)
    if user is None or user.id is None or user.role not in (*STAFF, Role.MARKET_BOARD.value):
        time.sleep(FAILED_LOGIN_DELAY_S)  # slows guessing; the message says nothing specific
        return _login_page(
            request, nonce=fresh, error=t["login_failed"], email=email, status_code=401
        )
    target = _safe_next(str(form.get("next") or ""))
    if user.role == Role.MARKET_BOARD:  # a market board has its log's pages only
        target = "/web/control-log"
    response = RedirectResponse(target, status_code=303)
    bound = password_stamp(session, user.id) or ""
    value = make_session(secret_of(request), user_id=user.id, bound=bound)
    set_cookie(response, request, SESSION_COOKIE, value, SESSION_SECONDS)
    response.delete_cookie(NONCE_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(_form: FormDep) -> Response:
    """End the session and return to the login form."""
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
