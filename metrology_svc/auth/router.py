"""HTTP endpoints for users and tokens."""

from fastapi import APIRouter, status

from metrology_svc.auth import service
from metrology_svc.auth.schemas import (
    AccountMessagePublic,
    Me,
    UserCreate,
    UserPublic,
    UserWithToken,
)
from metrology_svc.deps import CurrentUser, PortalUser, SessionDep, SettingsDep

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserWithToken)
def create_user(
    data: UserCreate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> UserWithToken:
    """Create a user (admin); the token in the reply is shown once and stored hashed."""
    user.require_admin()
    days = settings.token_days if data.token_days is None else data.token_days
    issued = service.create_user(
        session,
        name=data.name,
        email=data.email,
        role=data.role,
        unit_codes=data.unit_codes,
        owner_id=data.owner_id,
        token_days=days,
        actor=user,
    )
    public = UserPublic.model_validate(issued.user, from_attributes=True)
    return UserWithToken(
        user=public.model_copy(update={"owner_id": data.owner_id}), token=issued.token
    )


@router.get("/me", response_model=Me)
def me(session: SessionDep, user: PortalUser) -> Me:
    """Return the calling user, role and jurisdiction (or owner), and their unread messages."""
    return Me(
        id=user.user_id,
        name=user.name,
        role=user.role,
        unit_paths=list(user.unit_paths),
        owner_id=user.owner_id,
        messages=[
            AccountMessagePublic.model_validate(m, from_attributes=True)
            for m in service.unread_messages(session, user.user_id)
        ],
    )


@router.post("/me/messages/{message_id}/read", response_model=AccountMessagePublic)
def read_message(message_id: int, session: SessionDep, user: PortalUser) -> AccountMessagePublic:
    """Mark one of the caller's messages read (it no longer shows in /users/me)."""
    message = service.mark_read(session, user, message_id)
    return AccountMessagePublic.model_validate(message, from_attributes=True)
