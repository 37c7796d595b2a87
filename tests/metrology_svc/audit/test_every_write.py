"""Every route that changes the record leaves an audit record (issue 17, item 9).

The authorization matrix knows how to call every route; here each write route (not GET) is
called once by an account allowed to make it, and when the call succeeds the audit chain must
have grown. A route that changes nothing of the record is listed in UNCHANGING with why.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.auth.models import UserSite
from metrology_svc.core.clock import utcnow
from metrology_svc.notices.models import Channel, DeliveryStatus, NoticeDelivery
from tests.factories import World
from tests.metrology_svc.rehoming.support import make_old
from tests.metrology_svc.test_authorization import (  # noqa: F401 (fixtures)
    CASES,
    Kind,
    Req,
    _call,
    _callers,
    _path_values,
    control_scales,
    settings,
    targets,
)

# Routes that answer a write method but leave the record as it was.
UNCHANGING: dict[tuple[str, str], str] = {
    ("POST", "/web/login"): "opens a session (no record changes)",
    ("POST", "/web/logout"): "closes a session",
    ("POST", "/web/verifications/preview"): "judges points without storing them",
    ("POST", "/api/v1/standards/{code}/out-of-tolerance"): "action=list only lists",
    ("POST", "/web/control-log/logout"): "closes a market board's session",
    ("POST", "/api/v1/imports/instruments/errors"): "checks a list, writes nothing",
}


def _unlink_board(db: Session, req: Req) -> None:
    """The matrix's board already keeps market A: take it away, so the PUT links it anew."""
    link = db.get(UserSite, (req.path["user_id"], req.path["site_id"]))
    assert link is not None
    db.delete(link)
    db.flush()


def _real_run(db: Session, req: Req) -> None:
    """The matrix asks for a dry run (which writes nothing): run it for real, with a site of
    a 2004 commune that went whole into a 2025 one, so the run moves it (site.move)."""
    make_old(db).site(db, "Chợ Hưng Trí", "18754")
    req.json = {**req.json, "dry_run": False}


def _failed_delivery(db: Session, req: Req) -> None:
    """Resend queues a new attempt only for a channel whose last attempt failed: fail one."""
    db.add(
        NoticeDelivery(
            notice_id=req.path["notice_id"],
            channel=Channel.EMAIL,
            destination="hoa@example.com",
            status=DeliveryStatus.FAILED,
            error="550 mailbox unavailable",
            next_attempt_at=utcnow(),
        )
    )
    db.flush()


# Routes the matrix calls in a way that changes nothing: how to make the call a real change.
REAL_CHANGE: dict[tuple[str, str], Callable[[Session, Req], None]] = {
    ("PUT", "/api/v1/control-logs/boards/{user_id}/sites/{site_id}"): _unlink_board,
    ("POST", "/api/v1/rehoming/run"): _real_run,
    ("POST", "/web/notices/{notice_id}/resend"): _failed_delivery,
}
WRITES = sorted(k for k in CASES if k[0] not in ("GET", "MOUNT") and k not in UNCHANGING)


def _count(db: Session) -> int:
    db.expire_all()
    return int(db.exec(select(func.count()).select_from(AuditRecord)).one())


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_successful_write_leaves_an_audit_record(
    method: str,
    path: str,
    client: TestClient,
    db: Session,
    world: World,
    control_scales: dict[str, Any],  # noqa: F811
) -> None:
    case = CASES[(method, path)]
    board_page = f"/web/control-log/{control_scales['A'].site_id}"
    callers = _callers(client, db, world, web=path.startswith("/web/"), board_page=board_page)
    role = "board_own" if case.kind is Kind.BOARD else "admin"
    if case.kind is Kind.PUBLIC:
        role = "anonymous"
    target = control_scales["A"]
    req = case.build(target, "audit")
    req.path = {**_path_values(path, target), **req.path}
    if (method, path) in REAL_CHANGE:
        REAL_CHANGE[(method, path)](db, req)
    before = _count(db)
    status = _call(client, method, path, req, callers[role])
    if not 200 <= status < 300:
        pytest.skip(f"the call did not succeed as {role} ({status}): proved by the matrix")
    assert _count(db) > before, f"{method} {path} changed the record without an audit record"
