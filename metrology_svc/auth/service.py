"""Accounts and tokens: create users, issue tokens, authenticate a bearer token."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from metrology_svc.audit.service import Actor, audit
from metrology_svc.auth.models import AccountMessage, ApiToken, OwnerUser, Role, User, UserUnit
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Invalid, NotFound, Unauthorized
from metrology_svc.owners.models import Owner
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.service import current_scheme

TOKEN_PREFIX = "mtk_"
DEFAULT_TOKEN_DAYS = 90  # settings.token_days (METROLOGY_TOKEN_DAYS) says the same by default


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A freshly made token: the plain text is shown once and never stored."""

    user: User
    token: str


def create_user(
    session: Session,
    *,
    name: str,
    email: str,
    role: Role,
    unit_codes: list[str],
    owner_id: int | None = None,
    token_days: int = DEFAULT_TOKEN_DAYS,
    actor: Actor | str | None = None,
) -> IssuedToken:
    """Create a user with its jurisdiction (or owner) and a token valid for token_days (0: ever)."""
    repo = AuthRepository(session)
    email = email.strip().lower()
    if repo.user_by_email(email) is not None:
        raise Conflict(
            f"A user with e-mail {email} exists.",
            message_vi=f"Đã có người dùng {email}.",
            loc=["email"],
        )
    if role is Role.INSPECTOR and not unit_codes:
        raise Invalid(
            "An inspector needs at least one administrative unit.",
            message_vi="Kiểm định viên/thanh tra cần ít nhất một đơn vị hành chính.",
            loc=["unit_codes"],
        )
    if role is Role.MARKET_BOARD and unit_codes:
        raise Invalid(
            "A market board account has markets (control_logs), not a jurisdiction.",
            message_vi="Tài khoản ban quản lý chợ gắn với chợ, không có địa bàn.",
            loc=["unit_codes"],
        )
    _check_owner_link(session, role=role, owner_id=owner_id, unit_codes=unit_codes)
    units = UnitRepository(session)
    user = User(name=name, email=email, role=role)
    repo.add(user)
    assert user.id is not None
    if owner_id is not None:
        repo.add(OwnerUser(user_id=user.id, owner_id=owner_id))
    scheme = current_scheme(session)
    for code in unit_codes:
        unit = units.by_code(code, scheme.key)
        if unit is None or unit.level is UnitLevel.DISTRICT:
            raise Invalid(
                f"Unknown administrative unit code {code!r}: a scope is a province or a "
                f"commune of the list in force ({scheme.key}).",
                message_vi=f"Không có đơn vị hành chính mã {code!r}: địa bàn là một tỉnh hoặc "
                f"một xã/phường/đặc khu theo danh mục đang áp dụng ({scheme.key}).",
                loc=["unit_codes"],
            )
        assert unit.id is not None
        repo.add(UserUnit(user_id=user.id, unit_id=unit.id))
    expires_at = token_expiry(token_days)
    token = issue_token(session, user_id=user.id, label="first", expires_at=expires_at)
    detail = {
        "email": email,
        "name": name,
        "role": role,
        "unit_codes": unit_codes,
        "owner_id": owner_id,
        "token_expires_at": expires_at,
    }
    audit(
        session, actor=actor, action="user.create", entity="user", entity_id=user.id, detail=detail
    )
    return IssuedToken(user=user, token=token)


def _check_owner_link(
    session: Session, *, role: Role, owner_id: int | None, unit_codes: list[str]
) -> None:
    if role is not Role.OWNER:
        if owner_id is not None:
            raise Invalid(
                "Only an owner account is linked to an owner.",
                message_vi="Chỉ tài khoản chủ phương tiện mới gắn với chủ sở hữu.",
                loc=["owner_id"],
            )
        return
    if unit_codes:
        raise Invalid(
            "An owner account has no jurisdiction.",
            message_vi="Tài khoản chủ phương tiện không có địa bàn.",
            loc=["unit_codes"],
        )
    if owner_id is None or session.get(Owner, owner_id) is None:
        raise Invalid(
            f"An owner account needs an existing owner (owner_id {owner_id}).",
            message_vi=f"Tài khoản chủ phương tiện cần chủ sở hữu có thật (owner_id {owner_id}).",
            loc=["owner_id"],
        )


def token_expiry(days: int, *, now: datetime | None = None) -> datetime | None:
    """Return when a token made now for this many days expires (0 days: never)."""
    if days < 0:
        raise Invalid(
            "A token's lifetime cannot be negative.",
            message_vi="Thời hạn mã truy cập không được âm.",
            loc=["days"],
        )
    return (now or utcnow()) + timedelta(days=days) if days else None


def issue_token(
    session: Session, *, user_id: int, label: str = "", expires_at: datetime | None = None
) -> str:
    """Make a new token for the user, store its hash and return the plain text once."""
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid(
            "A token's expiry must lie in the future.",
            message_vi="Hạn dùng của mã truy cập phải ở tương lai.",
            loc=["expires_at"],
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    AuthRepository(session).add(
        ApiToken(
            user_id=user_id,
            token_hash=hash_token(token),
            prefix=token[:10],
            label=label[:100],
            expires_at=expires_at,
        )
    )
    return token


def authenticate(session: Session, token: str) -> Principal:
    """Return the principal for a live token of an enabled account, or raise Unauthorized."""
    repo = AuthRepository(session)
    found = repo.token_with_user(hash_token(token)) if token.startswith(TOKEN_PREFIX) else None
    if found is not None and found[0].expires_at is not None and found[0].expires_at <= utcnow():
        raise Unauthorized(
            "The token has expired; ask an administrator for a new one.",
            message_vi="Mã truy cập đã hết hạn; hãy xin quản trị viên cấp mã mới.",
        )
    if found is None or found[1].disabled:
        raise Unauthorized(
            "The token is missing, unknown or revoked, or its account is disabled.",
            message_vi="Thiếu mã truy cập, hoặc mã không đúng, đã bị thu hồi hay tài khoản đã "
            "bị khóa.",
        )
    user = found[1]
    assert user.id is not None
    return Principal(
        user_id=user.id,
        name=user.name,
        role=user.role,
        unit_paths=repo.unit_paths(user.id),
        owner_id=repo.owner_of(user.id) if user.role == Role.OWNER else None,
    )


def tell(session: Session, *, user_id: int, text_vi: str, text_en: str) -> AccountMessage:
    """Leave a message for an account holder (shown until read); the caller commits."""
    message = AccountMessage(user_id=user_id, text_vi=text_vi[:2000], text_en=text_en[:2000])
    AuthRepository(session).add(message)
    return message


def unread_messages(session: Session, user_id: int) -> list[AccountMessage]:
    """Return the account's unread messages, newest first."""
    return AuthRepository(session).messages(user_id, unread_only=True)


def mark_read(session: Session, user: Principal, message_id: int) -> AccountMessage:
    """Mark one of the caller's own messages read (again: no change); the caller commits."""
    message = AuthRepository(session).message(message_id)
    if message is None or message.user_id != user.user_id:
        # Another account's message is answered as absent: its existence is not the caller's.
        raise NotFound(f"No message {message_id}.", message_vi=f"Không có thông báo {message_id}.")
    if message.read_at is None:
        message.read_at = utcnow()
        session.add(message)
        session.flush()
    return message


def replace_scope_unit(session: Session, *, link: UserUnit, new_unit_ids: list[int]) -> list[int]:
    """Replace one unit of a user's scope by others; return the ids newly added."""
    repo = AuthRepository(session)
    have = repo.scope_unit_ids(link.user_id)
    repo.remove(link)
    added = [i for i in dict.fromkeys(new_unit_ids) if i not in have]
    for unit_id in added:
        repo.add(UserUnit(user_id=link.user_id, unit_id=unit_id))
    return added
