"""Web passwords: scrypt hashes in user_credential, set by the CLI, checked at login."""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Field, Session, SQLModel, select

from metrology_svc.audit.service import Actor, audit
from metrology_svc.auth.models import User
from metrology_svc.auth.passwords import MIN_PASSWORD_LENGTH, check_password
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Invalid, NotFound

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "UserCredential",
    "change_password",
    "check_login",
    "set_password",
]

# scrypt parameters (RFC 7914 interactive values): about 16 MiB and a few tens of ms per check.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
# Checked when the e-mail is unknown, so a failed login costs the same either way.
_DUMMY_HASH = "scrypt$16384$8$1$00000000000000000000000000000000$" + "0" * 64


class UserCredential(SQLModel, table=True):
    """A user's web password, kept only as a salted scrypt hash."""

    __tablename__ = "user_credential"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    updated_at: datetime = Field(default_factory=utcnow)


def hash_password(password: str) -> str:
    """Return 'scrypt$N$r$p$salt$hash' for a password, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=64 * 2**20
    )
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Tell whether the password matches a stored scrypt hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected) // 2,
            maxmem=64 * 2**20,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


class _Account(NamedTuple):
    """An account acting on itself, as the audit record names it."""

    user_id: int
    name: str


def set_password(
    session: Session, *, email: str, password: str, actor: Actor | str | None = None
) -> User:
    """Store a new password for the user with this e-mail and end their sessions; caller commits.

    The policy (auth/passwords.py) refuses short, common and repetitive passwords.
    """
    check_password(password, email=email)
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or user.id is None:
        raise NotFound(f"No user {email}.", message_vi=f"Không có người dùng {email}.")
    cred = session.get(UserCredential, user.id) or UserCredential(user_id=user.id, password_hash="")
    cred.password_hash = hash_password(password)
    cred.updated_at = utcnow()
    session.add(cred)
    end_sessions(session, user)
    # The event, never the secret.
    audit(
        session,
        actor=actor,
        action="password.set",
        entity="user",
        entity_id=user.id,
        detail={"email": user.email},
    )
    return user


def change_password(
    session: Session, *, user_id: int, current: str, new: str, confirm: str
) -> User:
    """Change one's own password: check the current one, store the new, end every session.

    The caller commits, and gives the browser that asked a new session (its old one ended
    with the others). Errors name their field: current, password or confirm.
    """
    user = session.get(User, user_id)
    cred = session.get(UserCredential, user_id)
    if user is None or cred is None or not verify_password(current, cred.password_hash):
        raise Invalid(
            "The current password is not right.",
            message_vi="Mật khẩu hiện tại không đúng.",
            loc=["current"],
        )
    if new != confirm:
        raise Invalid(
            "The two new passwords differ.",
            message_vi="Hai lần nhập mật khẩu mới không khớp nhau.",
            loc=["confirm"],
        )
    if new == current:
        raise Invalid(
            "The new password must differ from the current one.",
            message_vi="Mật khẩu mới phải khác mật khẩu hiện tại.",
            loc=["password"],
        )
    assert user.id is not None
    return set_password(session, email=user.email, password=new, actor=_Account(user.id, user.name))


def end_sessions(session: Session, user: User) -> None:
    """End every web session of the user at once (logout, new password, disabled account)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.add(user)
    session.flush()


def check_login(session: Session, *, email: str, password: str) -> User | None:
    """Return the enabled user whose e-mail and password match, else None (same cost)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    cred = session.get(UserCredential, user.id) if user is not None and user.id else None
    ok = verify_password(password, cred.password_hash if cred else _DUMMY_HASH)
    if user is None or cred is None or user.disabled or not ok:
        return None
    return user


def password_stamp(session: Session, user_id: int) -> str | None:
    """Return what the user's sessions are signed over, or None when they may have none.

    That is the stored password hash and the session epoch (neither is ever sent), so a new
    password, a logout or disabling the account ends every session made before; a disabled
    account, or one without a password, has none.
    """
    cred = session.get(UserCredential, user_id)
    user = session.get(User, user_id)
    if cred is None or user is None or user.disabled:
        return None
    return f"{cred.password_hash}|{user.session_epoch or 0}"
