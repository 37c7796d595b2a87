"""Dependencies shared by routers: the request's unit of work and the calling user."""

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate
from metrology_svc.core.clock import today
from metrology_svc.core.errors import Unauthorized
from metrology_svc.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="API token from `metrology-svc users create`")


def get_session(request: Request) -> Iterator[Session]:
    """Open the request's session; commit when the endpoint returns, roll back if it raises."""
    factory = request.app.state.session_factory
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


# scope="function": the commit happens before the response is sent, so a failed commit
# turns into an error response instead of a reply that claims success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings_dep(request: Request) -> Settings:
    """Return the settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_any_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticate the bearer token of the request (staff or owner portal account)."""
    if credentials is None:
        raise Unauthorized(
            "This endpoint needs an API token (Authorization: Bearer …).",
            message_vi="Cần mã truy cập API (Authorization: Bearer …).",
        )
    principal = authenticate(session, credentials.credentials)
    if principal.role is Role.MARKET_BOARD:  # only control_logs/ routes, which authenticate apart
        principal.require_staff()
    return principal


# Routes open to owner portal accounts use PortalUser; every other route refuses them, so a
# new route is closed to owners unless it opts in.
PortalUser = Annotated[Principal, Depends(get_any_principal)]


def get_principal(principal: PortalUser) -> Principal:
    """Authenticate the bearer token of a staff account (admin, inspector, viewer)."""
    principal.require_staff()
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_today() -> date:
    """Return today's date (tests override this dependency to move time)."""
    return today()


TodayDep = Annotated[date, Depends(get_today)]
