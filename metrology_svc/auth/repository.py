"""Queries on users, their units and tokens."""

from sqlmodel import Session, col, select

from metrology_svc.auth.models import ApiToken, OwnerUser, User, UserUnit
from metrology_svc.units.models import AdminUnit


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

    def unit_paths(self, user_id: int) -> tuple[str, ...]:
        """Return the paths of the units in the user's jurisdiction."""
        stmt = (
            select(AdminUnit.path)
            .join(UserUnit, col(UserUnit.unit_id) == AdminUnit.id)
            .where(UserUnit.user_id == user_id)
        )
        return tuple(self.session.exec(stmt).all())

    def owner_of(self, user_id: int) -> int | None:
        """Return the owner an owner portal account is linked to, if any."""
        link = self.session.get(OwnerUser, user_id)
        return link.owner_id if link else None

    def add(self, obj: User | ApiToken | UserUnit | OwnerUser) -> None:
        """Stage a new row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()
