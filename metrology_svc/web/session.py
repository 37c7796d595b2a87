"""Signed session cookies and CSRF tokens for the web pages (HMAC-SHA256, no extra library).

The cookie holds `user_id.expires.nonce.signature`; the CSRF token of a form is an HMAC of
the nonce, so it is bound to the session (or, before login, to a short-lived nonce cookie).
"""

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request, Response

from metrology_svc.core.keyfiles import read_or_create
from metrology_svc.settings import Settings

SESSION_COOKIE = "mtr_session"
NONCE_COOKIE = "mtr_nonce"  # before login: binds the login form's CSRF token
LANG_COOKIE = "mtr_lang"
SESSION_SECONDS = 12 * 3600
KEY_FILE = "web-session.key"


def session_secret(settings: Settings) -> bytes:
    """Return the key that signs session cookies (a key file is created on first use)."""
    return read_or_create(settings.stamp_key_dir / KEY_FILE).encode()


def secret_of(request: Request) -> bytes:
    """Return the app's session key, read once per app."""
    cached: bytes | None = getattr(request.app.state, "web_secret", None)
    if cached is None:
        cached = session_secret(request.app.state.settings)
        request.app.state.web_secret = cached
    return cached


def _sign(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebSession:
    """What a valid session cookie says."""

    user_id: int
    expires: int
    nonce: str


def make_session(secret: bytes, *, user_id: int, bound: str, now: float | None = None) -> str:
    """Return a signed cookie value for the user, valid for SESSION_SECONDS.

    The signature also covers `bound` (auth.credentials.password_stamp: the user's stored
    password hash and session epoch, never sent), so a new password, a logout or disabling the
    account ends every session made before it, on the server.
    """
    expires = int((now or time.time()) + SESSION_SECONDS)
    body = f"{user_id}.{expires}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_sign(secret, f'session|{body}|{bound}')}"


def read_session(
    secret: bytes,
    value: str | None,
    *,
    bound_of: Callable[[int], str | None],
    now: float | None = None,
) -> WebSession | None:
    """Return the session a cookie value carries, or None if forged, stale or expired."""
    if not value or value.count(".") != 3:
        return None
    body, _, signature = value.rpartition(".")
    uid, expires, nonce = body.split(".")
    if not (uid.isdigit() and expires.isdigit()) or int(expires) < (now or time.time()):
        return None
    bound = bound_of(int(uid))
    if bound is None or not hmac.compare_digest(
        signature, _sign(secret, f"session|{body}|{bound}")
    ):
        return None
    return WebSession(user_id=int(uid), expires=int(expires), nonce=nonce)


def csrf_token(secret: bytes, nonce: str) -> str:
    """Return the CSRF token bound to a session or pre-login nonce."""
    return _sign(secret, "csrf|" + nonce)


def csrf_ok(secret: bytes, nonce: str | None, token: str | None) -> bool:
    """Tell whether a submitted token matches the nonce (constant-time)."""
    if not nonce or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, nonce), token)


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """Set an HttpOnly, SameSite=Lax cookie (Secure when the request came over HTTPS)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
