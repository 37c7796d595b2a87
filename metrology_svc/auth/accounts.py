"""Account administration: disable and enable accounts, list, make and revoke API tokens."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from metrology_svc.audit.service import Actor, audit
from metrology_svc.auth.credentials import end_sessions
from metrology_svc.auth.models import ApiToken, User
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.auth.service import issue_token
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import NotFound


@dataclass(frozen=True)
class TokenRow:
    """A token as an administrator lists it: never the token itself, only its first characters."""

    token: ApiToken
    user: User

    def state(self, now: datetime) -> str:
        """Return 'revoked', 'expired' or 'live'."""
        if self.token.revoked_at is not None:
            return "revoked"
        if self.token.expires_at is not None and self.token.expires_at <= now:
            return "expired"
        return "live"


def user_of(session: Session, email: str) -> User:
    """Return the user with this e-mail, or raise NotFound."""
    user = AuthRepository(session).user_by_email(email.strip().lower())
    if user is None or user.id is None:
        raise NotFound(f"No user {email}.", message_vi=f"Không có người dùng {email}.")
    return user


def set_disabled(
    session: Session, *, email: str, disabled: bool, actor: Actor | str | None = None
) -> User:
    """Disable (or enable) an account; disabling ends its sessions and stops its tokens at once.

    A disabled account's tokens are refused while it stays disabled (authenticate checks the
    flag); enabling it again lets its unrevoked, unexpired tokens work again, never its old
    web sessions. The caller commits.
    """
    user = user_of(session, email)
    user.disabled = disabled
    session.add(user)
    if disabled:
        end_sessions(session, user)
    session.flush()
    action = "user.disable" if disabled else "user.enable"
    audit(
        session,
        actor=actor,
        action=action,
        entity="user",
        entity_id=user.id,
        detail={"email": user.email},
    )
    return user


def list_tokens(session: Session, *, email: str | None = None) -> list[TokenRow]:
    """Return the tokens of one account (or of all), newest first."""
    user_id = user_of(session, email).id if email else None
    return [TokenRow(token=t, user=u) for t, u in AuthRepository(session).tokens(user_id)]


def make_token(
    session: Session,
    *,
    email: str,
    label: str,
    expires_at: datetime | None,
    actor: Actor | str | None = None,
) -> tuple[User, str]:
    """Issue another token for an account; return the user and the token (shown once; the
    audit record names its label and expiry, never the token)."""
    user = user_of(session, email)
    assert user.id is not None
    token = issue_token(session, user_id=user.id, label=label, expires_at=expires_at)
    detail = {"email": user.email, "label": label, "expires_at": expires_at}
    audit(
        session, actor=actor, action="token.create", entity="user", entity_id=user.id, detail=detail
    )
    return user, token


def revoke_token(session: Session, *, token_id: int, actor: Actor | str | None = None) -> ApiToken:
    """Revoke one token at once (revoking it again changes nothing); the caller commits."""
    token = AuthRepository(session).token(token_id)
    if token is None:
        raise NotFound(f"No token {token_id}.", message_vi=f"Không có mã truy cập số {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()
        audit(
            session,
            actor=actor,
            action="token.revoke",
            entity="api_token",
            entity_id=token.id,
            detail={"user_id": token.user_id, "label": token.label},
        )
    return token


def revoke_all(session: Session, *, email: str, actor: Actor | str | None = None) -> int:
    """Revoke every live token of an account; return how many; the caller commits."""
    user = user_of(session, email)
    count = 0
    for token, _user in AuthRepository(session).tokens(user.id):
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            session.add(token)
            count += 1
    session.flush()
    if count:
        audit(
            session,
            actor=actor,
            action="token.revoke_all",
            entity="user",
            entity_id=user.id,
            detail={"email": user.email, "tokens": count},
        )
    return count
