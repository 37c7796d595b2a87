"""HTTP endpoints for the rulebook (administrators only): list, read and load table versions."""

from fastapi import APIRouter, status

from metrology_svc.deps import CurrentUser, SessionDep
from metrology_svc.rulebook import service
from metrology_svc.rulebook.repository import RuleRepository
from metrology_svc.rulebook.schemas import RuleTableCreate, RuleTablePublic, RuleTableSummary

router = APIRouter(prefix="/rules", tags=["rulebook"])


@router.get("", response_model=list[RuleTableSummary])
def list_rules(session: SessionDep, user: CurrentUser) -> list[RuleTableSummary]:
    """List every version of every rule table, without rows (admin)."""
    user.require_admin()
    return [service.summary(t) for t in RuleRepository(session).all()]


@router.get("/{code}", response_model=list[RuleTablePublic])
def get_rule(code: str, session: SessionDep, user: CurrentUser) -> list[RuleTablePublic]:
    """Return the versions of one table with their rows, in load order (admin)."""
    user.require_admin()
    return [service.public(t) for t in service.versions_of(session, code)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RuleTablePublic)
def load_rule(data: RuleTableCreate, session: SessionDep, user: CurrentUser) -> RuleTablePublic:
    """Load a new version of a table, checked and audited, in force from its date (admin)."""
    user.require_admin()
    return service.public(service.load_table(session, actor=user, data=data))
