"""Queries on users, their units and tokens."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from metrology_svc.auth.credentials import UserCredential
from metrology_svc.auth.models import AccountMessage, ApiToken, OwnerUser, User, UserUnit
from metrology_svc.owners.models import Owner
from metrology_svc.units.models import AdminUnit, UnitLevel, UnitSuccession


@dataclass(frozen=True)
class Account:
    """A user as an administrator lists it: role, scope, and whether it can log in (no secrets)."""

    user: User
    units: tuple[AdminUnit, ...]
    owner: Owner | None
    has_password: bool
    live_tokens: int


class AuthRepository:
    """Reads and writes users and tokens."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user_by_email(self, email: str) -> User | None:
        """Return the user with this e-mail, if any."""
        return self.session.exec(select(User).where(User.email == email)).first()

    def token_with_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """Return the live token with this hash and its user."""
        stmt = (
            select(ApiToken, User)
            .join(User, col(User.id) == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash, col(ApiToken.revoked_at).is_(None))
        )
        row = self.session.exec(stmt).first()
        return (row[0], row[1]) if row else None

    def tokens(self, user_id: int | None = None) -> list[tuple[ApiToken, User]]:
        """Return the tokens (of one user, or everyone's) with their users, newest first."""
        stmt = select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
        rows = self.session.exec(stmt.order_by(col(ApiToken.id).desc())).all()
        return [(token, user) for token, user in rows]

    def token(self, token_id: int) -> ApiToken | None:
        """Return one token row."""
        return self.session.get(ApiToken, token_id)

    def unit_paths(self, user_id: int) -> tuple[str, ...]:
        """Return the paths of the units in the user's jurisdiction.

        A province also covers the old provinces that went into it (a province-level
        succession), so the un-rehomed history of a merged province stays visible to its
        staff. A commune covers its own path only.
        """
        stmt = (
            select(AdminUnit.id, AdminUnit.path, AdminUnit.level)
            .join(UserUnit, col(UserUnit.unit_id) == AdminUnit.id)
            .where(UserUnit.user_id == user_id)
        )
        rows = self.session.exec(stmt).all()
        paths = [path for _id, path, _level in rows]
        provinces = [unit_id for unit_id, _path, level in rows if level == UnitLevel.PROVINCE]
        if provinces:
            merged = (
                select(AdminUnit.path)
                .join(UnitSuccession, col(UnitSuccession.old_unit_id) == AdminUnit.id)
                .where(
                    col(UnitSuccession.new_unit_id).in_(provinces),
                    AdminUnit.level == UnitLevel.PROVINCE,
                )
            )
            paths.extend(self.session.exec(merged).all())
        return tuple(dict.fromkeys(paths))

    def scope_links(self, schemes: list[str]) -> list[tuple[UserUnit, User, AdminUnit]]:
        """Return the scope links that point at units of these code schemes, by user."""
        if not schemes:
            return []
        stmt = (
            select(UserUnit, User, AdminUnit)
            .join(User, col(User.id) == UserUnit.user_id)
            .join(AdminUnit, col(AdminUnit.id) == UserUnit.unit_id)
            .where(col(AdminUnit.scheme).in_(schemes))
            .order_by(col(UserUnit.user_id), col(AdminUnit.path))
        )
        return [(link, user, unit) for link, user, unit in self.session.exec(stmt).all()]

    def scope_unit_ids(self, user_id: int) -> set[int]:
        """Return the ids of the units linked to a user's scope."""
        stmt = select(UserUnit.unit_id).where(UserUnit.user_id == user_id)
        return set(self.session.exec(stmt).all())

    def remove(self, obj: UserUnit) -> None:
        """Delete a row (a scope link) and flush."""
        self.session.delete(obj)
        self.session.flush()

    def messages(self, user_id: int, *, unread_only: bool) -> list[AccountMessage]:
        """Return a user's messages, newest first."""
        stmt = select(AccountMessage).where(AccountMessage.user_id == user_id)
        if unread_only:
            stmt = stmt.where(col(AccountMessage.read_at).is_(None))
        return list(
            self.session.exec(
                stmt.order_by(col(AccountMessage.created_at).desc(), col(AccountMessage.id).desc())
            ).all()
        )

    def message(self, message_id: int) -> AccountMessage | None:
        """Return one account message."""
        return self.session.get(AccountMessage, message_id)

    def owner_of(self, user_id: int) -> int | None:
        """Return the owner an owner portal account is linked to, if any."""
        link = self.session.get(OwnerUser, user_id)
        return link.owner_id if link else None

    def add(self, obj: User | ApiToken | UserUnit | OwnerUser | AccountMessage) -> None:
        """Stage a new row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()

    def accounts(self) -> list[Account]:
        """Return every user with its units, owner, password presence and live-token count."""
        users = self.session.exec(select(User).order_by(col(User.id))).all()
        units: dict[int, list[AdminUnit]] = {}
        for user_id, unit in self.session.exec(
            select(UserUnit.user_id, AdminUnit)
            .join(AdminUnit, col(AdminUnit.id) == UserUnit.unit_id)
            .order_by(col(AdminUnit.path))
        ):
            units.setdefault(user_id, []).append(unit)
        owners = dict(
            self.session.exec(
                select(OwnerUser.user_id, Owner).join(Owner, col(Owner.id) == OwnerUser.owner_id)
            ).all()
        )
        passwords = set(self.session.exec(select(UserCredential.user_id)).all())
        tokens = dict(
            self.session.exec(
                select(ApiToken.user_id, func.count())
                .where(col(ApiToken.revoked_at).is_(None))
                .group_by(col(ApiToken.user_id))
            ).all()
        )
        return [
            Account(
                user=u,
                units=tuple(units.get(u.id or 0, ())),
                owner=owners.get(u.id or 0),
                has_password=u.id in passwords,
                live_tokens=tokens.get(u.id or 0, 0),
            )
            for u in users
        ]
