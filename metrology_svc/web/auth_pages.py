"""Login and logout: e-mail + password → a signed, HttpOnly, SameSite=Lax session cookie.

Failed logins are limited per account (the e-mail typed, known or not) here, and per address
by core/ratelimit.py; logging out ends the account's sessions on the server, so a copied
cookie does not outlive it.
"""

import secrets
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.auth.credentials import (
    change_password,
    check_login,
    end_sessions,
    password_stamp,
)
from metrology_svc.auth.models import Role, User
from metrology_svc.auth.principal import Principal
from metrology_svc.core.ratelimit import TokenBuckets
from metrology_svc.deps import SessionDep
from metrology_svc.web.deps import STAFF, FormDep, PageUser, PostedDep, principal_from_cookie
from metrology_svc.web.forms import form_errors
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
_BUCKETS_LOCK = threading.Lock()
TEXTS: dict[str, tuple[str, str]] = {
    "account_throttled": (
        "Tài khoản này đã nhập sai mật khẩu nhiều lần; tạm dừng đăng nhập, thử lại sau {s} giây.",
        "Too many wrong passwords for this account; logging in is paused, try again in {s} s.",
    ),
    "title": ("Đổi mật khẩu", "Change password"),
    "current": ("Mật khẩu hiện tại", "Current password"),
    "new": ("Mật khẩu mới", "New password"),
    "confirm": ("Nhập lại mật khẩu mới", "New password again"),
    "submit": ("Đổi mật khẩu", "Change password"),
    "rules": (
        "Ít nhất 10 ký tự; không dùng mật khẩu phổ biến, dãy lặp lại hay liên tiếp (aaaa, "
        "123456…), hay chính e-mail của mình. Một câu dài gồm vài từ dễ nhớ là tốt nhất. Đổi "
        "mật khẩu sẽ đăng xuất mọi thiết bị khác.",
        "At least 10 characters; not a common password, a repetition or a run (aaaa, "
        "123456…), nor your own e-mail. A long phrase of a few words is best. Changing it logs "
        "every other device out.",
    ),
    "done": (
        "Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.",
        "Password changed. Every other session has ended.",
    ),
}


def _texts(request: Request) -> dict[str, str]:
    index = 0 if lang_of(request) == "vi" else 1
    return {key: pair[index] for key, pair in TEXTS.items()}


def account_buckets(request: Request) -> TokenBuckets:
    """Return the app's failed-login buckets per account, made on first use from settings."""
    state = request.app.state
    buckets: TokenBuckets | None = getattr(state, "login_account_buckets", None)
    if buckets is None:
        with _BUCKETS_LOCK:
            buckets = getattr(state, "login_account_buckets", None)
            if buckets is None:
                settings = state.settings
                buckets = TokenBuckets(
                    rate=settings.login_account_failure_rate_per_s,
                    burst=settings.login_account_failure_burst,
                )
                state.login_account_buckets = buckets
    return buckets


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
    account = email.strip().lower()
    buckets = account_buckets(request)
    if not buckets.available(account):  # before scrypt: a throttled account costs nothing
        wait = buckets.retry_after(account)
        refused = _login_page(
            request,
            nonce=fresh,
            error=_texts(request)["account_throttled"].format(s=wait),
            email=email,
            status_code=429,
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    user = check_login(session, email=email, password=password)
    if user is None or user.id is None or user.role not in (*STAFF, Role.MARKET_BOARD.value):
        buckets.allow(account)
        time.sleep(FAILED_LOGIN_DELAY_S)  # slows guessing; the message says nothing specific
        return _login_page(
            request, nonce=fresh, error=t["login_failed"], email=email, status_code=401
        )
    target = _safe_next(str(form.get("next") or ""))
    if user.role == Role.MARKET_BOARD:  # a market board has its log's pages only
        target = "/web/control-log"
    response = RedirectResponse(target, status_code=303)
    _start_session(request, response, session, user.id)
    response.delete_cookie(NONCE_COOKIE, path="/")
    return response


def _start_session(request: Request, response: Response, session: SessionDep, user_id: int) -> None:
    bound = password_stamp(session, user_id) or ""
    value = make_session(secret_of(request), user_id=user_id, bound=bound)
    set_cookie(response, request, SESSION_COOKIE, value, SESSION_SECONDS)


@router.post("/logout")
def logout(request: Request, session: SessionDep, _form: FormDep) -> Response:
    """End the account's sessions on the server, clear the cookie, return to the login form."""
    principal = request.state.web_user
    user = session.get(User, principal.user_id)
    if user is not None:
        end_sessions(session, user)
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, user: PageUser) -> Response:
    """Show the form to change one's own password."""
    return _password_page(
        request, user=user, errors={}, done=bool(request.query_params.get("done"))
    )


@router.post("/password", response_class=HTMLResponse)
def password_change(
    request: Request, session: SessionDep, user: PageUser, form: FormDep
) -> Response:
    """Change one's own password; every other session ends, this browser gets a new one."""
    account = session.get(User, user.user_id)
    email = account.email if account is not None else str(user.user_id)
    buckets = account_buckets(request)
    if not buckets.available(email):  # the current password is a guess like a login's
        wait = buckets.retry_after(email)
        errors = {"__all__": _texts(request)["account_throttled"].format(s=wait)}
        return _password_page(request, user=user, errors=errors, status_code=429)
    with form_errors(lang=lang_of(request)) as errors:
        change_password(
            session,
            user_id=user.user_id,
            current=form.get("current", "")[:1000],
            new=form.get("password", "")[:1000],
            confirm=form.get("confirm", "")[:1000],
        )
    if errors:
        if "current" in errors:
            buckets.allow(email)
            time.sleep(FAILED_LOGIN_DELAY_S)
        return _password_page(request, user=user, errors=errors, status_code=422)
    response = RedirectResponse("/web/password?done=1", status_code=303)
    _start_session(request, response, session, user.user_id)
    return response


def _password_page(
    request: Request,
    *,
    user: Principal,
    errors: dict[str, str],
    done: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "password.html.j2",
        user=user,
        status_code=status_code,
        p=_texts(request),
        errors=errors,
        done=done,
    )
