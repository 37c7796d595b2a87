"""Authorization matrix: every route of the app × every role × jurisdiction.

Each route must be classified below; a new route without a rule fails
`test_every_route_is_classified`. Each classified route is then called as anonymous, viewer,
an inspector of unit A touching a record of unit B, an inspector in their own unit and an
admin, and each answer must be the one its kind allows (401, 403 or success). An owner portal
account and a market board account (ban quản lý chợ) call it too, on their own records and on
another's: both are refused everywhere except the routes that open to them (Owner, Board).
"""

import csv
import io
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from metrology_svc.app import create_app
from metrology_svc.auth.credentials import set_password
from metrology_svc.auth.models import Role, UserSite
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate, create_user, tell
from metrology_svc.core.clock import utcnow
from metrology_svc.inspection_plans.schemas import PlanApprove, PlanCreate, TargetCreate
from metrology_svc.inspection_plans.service import approve_plan, create_plan
from metrology_svc.inspection_plans.targets import add_targets
from metrology_svc.inspections.models import PartySignature
from metrology_svc.inspections.procedure import record_decision, set_team
from metrology_svc.inspections.schemas import CloseIn, DecisionIn, InspectionCreate, TeamIn
from metrology_svc.inspections.service import close_inspection, create_inspection
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.notices.models import Notice, NoticeKind, NoticePreference
from metrology_svc.notices.service import ack_url, enqueue
from metrology_svc.owners.models import Owner as OwnerRecord
from metrology_svc.readings.models import InspectionRequest, Seller
from metrology_svc.rehoming.models import RehomeCase
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.sites.service import MoveReason, move_site
from metrology_svc.stamps.keys import keyring_for
from metrology_svc.stamps.models import FlagKind, StampFlag
from metrology_svc.stamps.repository import StampRepository
from metrology_svc.stamps.service import stamp_code
from metrology_svc.standards.models import StandardBase
from metrology_svc.standards.service import create_standard
from metrology_svc.units.repository import UnitRepository
from metrology_svc.verifications.models import Verification
from metrology_svc.verifications.schemas import VerificationCreate
from metrology_svc.verifications.service import record_verification
from metrology_svc.web.session import SESSION_COOKIE
from schedules.round_service import add_day_off
from tests.factories import World, spring_scale
from tests.metrology_svc.imports.support import VI, scale_row
from tests.metrology_svc.rehoming.support import make_old

TODAY = date(2026, 11, 20)
STANDARD = "QC-M1-01"


class Kind(Enum):
    """What a route allows."""

    PUBLIC = "no login"
    AUTH = "any account (office-wide data, or a list filtered to the caller's units)"
    SCOPED_READ = "read within the caller's units"
    SCOPED_WRITE = "change within the caller's units (not viewers)"
    OFFICE_WRITE = "change office-wide data (not viewers)"
    ROWS_SCOPED = "import: viewers refused, rows outside the units rejected (422)"
    ADMIN = "administrators only"
    BOARD = "keep a market's control-scale log: its market board only (no staff)"


STAFF = ("anonymous", "viewer", "inspector_other", "inspector_own", "admin")
# Owner portal account of district A's owner: touching its own instrument, then another owner's.
# Market board account of market A (ban quản lý chợ): touching its own market, then market B.
ROLES = (*STAFF, "owner_own", "owner_other", "board_own", "board_other")
OK = 0  # success: 2xx (or a domain code the case lists)
_STAFF_EXPECT: dict[Kind, tuple[int, ...]] = {
    # anonymous, viewer, inspector of A on B's record, inspector of A on A's, admin
    Kind.PUBLIC: (OK, OK, OK, OK, OK),
    Kind.AUTH: (401, OK, OK, OK, OK),
    Kind.SCOPED_READ: (401, OK, 403, OK, OK),
    Kind.SCOPED_WRITE: (401, 403, 403, OK, OK),
    Kind.OFFICE_WRITE: (401, 403, OK, OK, OK),
    Kind.ROWS_SCOPED: (401, 403, 422, OK, OK),
    Kind.ADMIN: (401, 403, 403, 403, OK),
    Kind.BOARD: (401, 403, 403, 403, 403),
}


class Owner(Enum):
    """What an owner portal account may do on a route (nothing, unless the route opts in)."""

    DENY = (403, 403)
    OWN = (OK, 403)  # its own owner's records only
    ALL = (OK, OK)  # no login needed, or a list filtered to its own records


class Board(Enum):
    """What a market board account may do on a route (nothing, unless the route opts in)."""

    DENY = (403, 403)
    OWN = (OK, 403)  # its own market's log only
    ALL = (OK, OK)  # no login needed, or its own markets whatever the target


def expected(kind: Kind, owner: Owner, board: Board, *, path: str) -> dict[str, int]:
    """Return the answer each role should get.

    A page (/web/…) answers a missing session with a redirect to the login form (303; the
    JSON preview says 401), and an owner has no web session, so it is answered the same way.
    A market board has a web session for its log's pages only: any other page treats it as
    no session at all.
    """
    portal = Owner.ALL if kind is Kind.PUBLIC else owner
    market = Board.ALL if kind is Kind.PUBLIC else board
    out = dict(zip(ROLES, (*_STAFF_EXPECT[kind], *portal.value, *market.value), strict=True))
    if path.startswith("/web/") and kind is not Kind.PUBLIC:
        login = 401 if path.endswith("/preview") else 303
        out |= {"anonymous": login, "owner_own": login, "owner_other": login}
        if market is Board.DENY:
            out |= {"board_own": login, "board_other": login}
    return out


TOKENS = {
    "viewer": "viewer",
    "inspector_other": "inspector_a",
    "inspector_own": "inspector_a",
    "admin": "admin",
    "owner_own": "owner",
    "owner_other": "owner",
    "board_own": "board",
    "board_other": "board",
}
# These touch district B's records (another owner's, another market's).
OTHER = {"inspector_other", "owner_other", "board_other"}


@dataclass
class Target:
    """The records of one district that a call touches."""

    unit_code: str  # a commune of the district
    district_code: str
    site_id: int
    owner_id: int
    instrument_id: int = 0
    verification_id: int = 0
    stamp_id: int = 0
    stamp_code: str = ""
    notice_id: int = 0
    ack_path: str = ""
    flag_id: int = 0
    seller_id: int = 0
    request_id: int = 0
    inspection_id: int = 0
    case_id: int = 0  # a rehoming case whose candidates include this commune
    case_unit_id: int = 0  # this commune's id (the radio value on the review page)
    message_id: int = 0  # an account message of inspector A (the same in both targets)
    closed_inspection_id: int = 0  # a closed inspection here: its minutes and notice print
    plan_id: int = 0  # a draft inspection plan covering only this commune
    target_id: int = 0  # that draft's target (this site)
    approved_plan_id: int = 0  # an approved plan covering only this commune
    open_targets: list[int] = field(default_factory=list)  # its targets, one per opening call
    day_off_id: int = 0  # an office day off declared for this commune
    user_id: int = 0  # the market board account (of market A: the same in both targets)
    control_scale_id: int = 0  # this market's control scale (the control_scales fixture)
    dup_owner_id: int = 0  # the owner registered twice: merged into owner_id by an admin


@dataclass
class Req:
    """One HTTP call, before the path parameters are filled in."""

    path: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    files: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    url: str | None = None  # instead of the route's path (a mount)


Build = Callable[[Target, str], Req]


@dataclass(frozen=True)
class Case:
    """A route's kind, how to call it for a target, and the domain answers that count as ok."""

    kind: Kind
    build: Build = lambda _t, _tag: Req()
    also_ok: frozenset[int] = frozenset()
    owner: Owner = Owner.DENY
    board: Board = Board.DENY
    proved_elsewhere: bool = False  # no role can succeed here as called (see the case)


def _q(**params: Callable[[Target], Any]) -> Build:
    return lambda t, _tag: Req(params={k: f(t) for k, f in params.items()})


def _body(make: Callable[[Target, str], Any]) -> Build:
    return lambda t, tag: Req(json=make(t, tag))


def _csv(t: Target, tag: str) -> Req:
    row = scale_row(f"IMP-{tag}", unit_code=t.unit_code)
    if t.unit_code == "18781":
        row["site_name"] = "Chợ Kỳ Đồng"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([VI[k] for k in VI])
    writer.writerow([row.get(k, "") for k in VI])
    return Req(files={"file": ("ds.csv", out.getvalue().encode(), "text/csv")})


def _verification(*_: Any) -> dict[str, Any]:
    return {
        "kind": "periodic",
        "verified_on": "2026-11-15",
        "verifier": "KĐV",
        "procedure": "ĐLVN 30:2019",
        # Min, ½ Max and Max of a 15 kg scale, e = 50 g: the loads ĐLVN 30:2019 requires.
        "points": [
            {"reference": 500, "indicated": 510},
            {"reference": 7500, "indicated": 7500},
            {"reference": 15000, "indicated": 15050},
        ],
    }


def _retail_table(_t: Target, tag: str) -> dict[str, Any]:
    return {
        "code": "retail_division",
        "effective_from": "2030-01-01",
        "status": "unverified",
        "source": f"Bảng thử {tag}",
        "rows": [{"goods_mass_from_g": 40, "goods_mass_to_g": 100, "max_division_g": 2}],
    }


def _decision(*_: Any) -> dict[str, Any]:
    """An inspection decision for the targets' inspections (held on TODAY)."""
    return {
        "decided_on": "2026-11-16",
        "signer_position": "KT. GIÁM ĐỐC/PHÓ GIÁM ĐỐC",
        "signer_name": "Trần Văn Bình",
        "party_kind": "organisation",
        "organisation_name": "Ban Quản lý chợ",
        "representative_name": "Nguyễn Thị Hoa",
        "representative_position": "Trưởng ban",
        "inspect_from": "2026-11-19",
        "inspect_to": "2026-11-25",
        "place": "Chợ, tỉnh Hà Tĩnh",
    }


TEAM = [
    {"role": "leader", "name": "Lê Văn Hùng", "certificate_no": "KTV-042-2025"},
    {"role": "member", "name": "Phạm Thị Lan"},
]


def _closed(t: Target, _tag: str) -> Req:
    return Req(path={"inspection_id": t.closed_inspection_id})


def _open_planned(t: Target, _tag: str) -> Req:
    """Open a target of the approved plan: a target opens one inspection (again: 409), so
    each call takes a target of its own."""
    return Req(
        path={"plan_id": t.approved_plan_id, "target_id": t.open_targets.pop()},
        json={"inspector": "Lê Văn Hùng", "inspected_on": "2026-11-20"},
    )


def _web_open_planned(t: Target, _tag: str) -> Req:
    """The page's form for opening a target of the approved plan (one target per call)."""
    return Req(
        path={"plan_id": t.approved_plan_id, "target_id": t.open_targets.pop()},
        data={"inspector": "Lê Văn Hùng", "inspected_on": "2026-11-20"},
    )


def _log_line(t: Target, _tag: str) -> dict[str, Any]:
    """A line of the market's paper control-scale log (masses in grams)."""
    return {
        "scale_id": t.control_scale_id,
        "measured_at": "2026-11-19T07:30:00+07:00",
        "seller": "A-12",
        "goods": "thịt lợn",
        "declared_g": 1000,
        "measured_g": 990,
    }


def _web_log_line(t: Target, _tag: str) -> dict[str, Any]:
    return {
        "scale_id": str(t.control_scale_id),
        "day": "2026-11-19",
        "clock": "07:30",
        "seller": "A-12",
        "goods": "thịt lợn",
        "declared": "1",
        "measured": "0,99",
    }


def _log_file(_t: Target, _tag: str) -> Req:
    rows = "Ngày;Giờ;Người bán;KL bán (g);KL cân lại (g)\n19/11/2026;07:31;A-12;1000;990\n"
    return Req(files={"file": ("so-can.csv", rows.encode(), "text/csv")})


_INSTRUMENT_ID = _q(instrument_id=lambda t: t.instrument_id)
_DISTRICT = _q(unit_code=lambda t: t.district_code)
_YEARLY = _q(unit_code=lambda t: t.district_code, year=lambda _t: 2026)


def _form(make: Callable[[Target, str], dict[str, Any]]) -> Build:
    return lambda t, tag: Req(data=make(t, tag))


def _place(t: Target) -> dict[str, str]:
    return {"owner_id": str(t.owner_id), "site_id": str(t.site_id)}


def _web_scale(t: Target, tag: str) -> dict[str, Any]:
    return {
        "type_code": "scale_spring_dial",
        "serial": f"W-{tag}",
        "manufacturer": "Nhơn Hòa",
        "accuracy_class": "IIII",
        "e_g": "50",
        "max_g": "15000",
        "role": "trade",
        **_place(t),
    }


# The web pages log in with a session cookie (owners get no session there); without one a
# page redirects to the login form. Forms carry the session's CSRF token (added by _call).
WEB_CASES: dict[tuple[str, str], Case] = {
    ("GET", "/web/login"): Case(Kind.PUBLIC),
    # Logging in for real is what the web_callers fixture does for every role.
    ("POST", "/web/login"): Case(
        Kind.PUBLIC,
        _form(lambda _t, _: {"email": "x@example.vn", "password": "sai-mat-khau-1"}),
        frozenset({401, 403}),
        proved_elsewhere=True,
    ),
    ("MOUNT", "/web/static"): Case(Kind.PUBLIC, lambda _t, _: Req(url="/web/static/web.css")),
    # Logout ends every session of the account: inspector_own shares inspector_a's session,
    # logged out by inspector_other's call just before.
    ("POST", "/web/logout"): Case(Kind.AUTH, also_ok=frozenset({303})),
    ("GET", "/web/password"): Case(Kind.AUTH),
    # The matrix posts no current password: the form again (422). Success: test_auth_pages.py
    ("POST", "/web/password"): Case(Kind.AUTH, also_ok=frozenset({422}), proved_elsewhere=True),
    ("GET", "/web/"): Case(Kind.AUTH),
    ("GET", "/web/instruments"): Case(Kind.AUTH),
    ("GET", "/web/instruments/new"): Case(Kind.OFFICE_WRITE),
    ("POST", "/web/instruments/new"): Case(Kind.SCOPED_WRITE, _form(_web_scale)),
    ("GET", "/web/instruments/{instrument_id}"): Case(Kind.SCOPED_READ),
    ("GET", "/web/instruments/{instrument_id}/edit"): Case(Kind.SCOPED_WRITE),
    ("POST", "/web/instruments/{instrument_id}/edit"): Case(
        Kind.SCOPED_WRITE,
        _form(lambda t, tag: {"model": tag, "role": "trade", **_place(t)}),
    ),
    ("GET", "/web/instruments/{instrument_id}/verify"): Case(Kind.SCOPED_WRITE),
    ("POST", "/web/instruments/{instrument_id}/verify"): Case(
        Kind.SCOPED_WRITE,
        _form(
            lambda _t, _: {
                "kind": "periodic",
                "verified_on": "2026-11-15",
                "verifier": "KĐV",
                "procedure": "ĐLVN 30:2019",
                # kg: the form reads a 15 kg scale's loads in kg; Min, ½ Max and Max.
                "reference": ["0,5", "7,5", "15"],
                "indicated": ["0,51", "7,5", "15,05"],
            }
        ),
    ),
    ("POST", "/web/verifications/preview"): Case(
        Kind.SCOPED_READ,
        _body(
            lambda t, _: {
                "instrument_id": t.instrument_id,
                "points": [{"reference": 500, "indicated": 510}],
            }
        ),
    ),
    ("GET", "/web/verifications/{verification_id}"): Case(Kind.SCOPED_READ),
    ("GET", "/web/stamps/{stamp_id}/sheet.pdf"): Case(Kind.SCOPED_READ),
    ("GET", "/web/markets"): Case(Kind.AUTH),
    ("GET", "/web/markets/{site_id}"): Case(Kind.SCOPED_READ),
    ("GET", "/web/markets/{site_id}/feed"): Case(Kind.SCOPED_READ, _q(max_seconds=lambda _t: 0)),
    ("GET", "/web/notices"): Case(Kind.AUTH),
    ("POST", "/web/notices/{notice_id}/resend"): Case(Kind.SCOPED_WRITE),
    ("GET", "/web/notices/{notice_id}/letter.pdf"): Case(Kind.SCOPED_READ),
    ("GET", "/web/inspections"): Case(Kind.AUTH),
    ("POST", "/web/inspections"): Case(
        Kind.SCOPED_WRITE,
        _form(
            lambda t, _: {
                "site_id": str(t.site_id),
                "inspector": "Đoàn",
                "inspected_on": "2026-11-19",
            }
        ),
    ),
    ("GET", "/web/inspections/{inspection_id}"): Case(Kind.SCOPED_READ),
    # the offline field app: its worker and manifest (no data), the site's stamp status list
    ("GET", "/web/inspections/sw.js"): Case(Kind.PUBLIC),
    ("GET", "/web/inspections/app.webmanifest"): Case(Kind.PUBLIC),
    ("GET", "/web/inspections/{inspection_id}/stamps.json"): Case(Kind.SCOPED_READ),
    ("GET", "/web/inspections/{inspection_id}/procedure"): Case(Kind.SCOPED_READ),
    ("POST", "/web/inspections/{inspection_id}/procedure/decision"): Case(
        Kind.SCOPED_WRITE,
        _form(
            lambda _t, _: {
                "decided_on": "01/11/2026",
                "issuer_level": "province",
                "signer_position": "Giám đốc",
                "signer_name": "Trần Văn Bình",
                "party_kind": "organisation",
                "organisation_name": "Ban Quản lý chợ",
                "representative_name": "Nguyễn Thị Hoa",
                "representative_position": "Trưởng ban",
                "inspect_from": "01/11/2026",
                "inspect_to": "30/11/2026",
                "place": "Chợ",
            }
        ),
        frozenset({422}),
    ),
    ("POST", "/web/inspections/{inspection_id}/procedure/team"): Case(
        Kind.SCOPED_WRITE,
        _form(
            lambda _t, _: {
                "members.0.role": "leader",
                "members.0.name": "Lê Văn Hùng",
                "members.0.certificate_no": "KTV-1",
            }
        ),
        frozenset({422}),
    ),
    ("POST", "/web/inspections/{inspection_id}/procedure/close"): Case(
        Kind.SCOPED_WRITE, _form(lambda _t, _: {"party_signature": "signed"}), frozenset({422})
    ),
    ("GET", "/web/inspections/{inspection_id}/minutes.pdf"): Case(Kind.SCOPED_READ, _closed),
    ("GET", "/web/inspections/{inspection_id}/result-notice.pdf"): Case(Kind.SCOPED_READ, _closed),
    # verification rounds and the report page: the API's rules, through the same functions
    ("GET", "/web/rounds"): Case(Kind.SCOPED_READ, _DISTRICT),
    ("GET", "/web/rounds/export.xlsx"): Case(Kind.SCOPED_READ, _DISTRICT),
    ("GET", "/web/rounds/plan.pdf"): Case(Kind.SCOPED_WRITE, _DISTRICT),
    ("POST", "/web/rounds/days-off"): Case(
        Kind.ADMIN,
        _form(lambda t, _: {"unit_code": t.unit_code, "day": "2027-03-02", "reason": "Nghỉ bù"}),
    ),
    ("POST", "/web/rounds/days-off/{day_off_id}/delete"): Case(Kind.ADMIN),
    ("POST", "/web/reports/texts"): Case(
        Kind.SCOPED_WRITE,
        _form(
            lambda t, tag: {
                "unit_code": t.district_code,
                "period_from": "2026-01-01",
                "period_to": "2026-12-31",
                "achievements": f"Kết quả {tag}",
            }
        ),
    ),
    ("POST", "/web/reports/issue"): Case(
        Kind.SCOPED_WRITE, _form(lambda t, _: {"unit_code": t.district_code, "year": "2026"})
    ),
    # inspection plan pages: the API's rules, through the same service functions
    ("GET", "/web/plans"): Case(Kind.AUTH),
    ("POST", "/web/plans"): Case(
        Kind.ADMIN,
        _form(
            lambda t, tag: {
                "year": "2026",
                "issuer_unit_code": "42",
                "unit_codes": t.unit_code,
                "site_kinds": "market",
                "subject": f"Kế hoạch {tag}",
            }
        ),
    ),
    ("GET", "/web/plans/{plan_id}"): Case(Kind.SCOPED_READ),
    ("GET", "/web/plans/{plan_id}/plan.pdf"): Case(Kind.SCOPED_READ),
    ("POST", "/web/plans/{plan_id}/targets"): Case(
        Kind.ADMIN, _form(lambda t, _: {"site_id": str(t.site_id), "month": "6"})
    ),
    ("POST", "/web/plans/{plan_id}/targets/{target_id}/remove"): Case(Kind.ADMIN),
    ("POST", "/web/plans/{plan_id}/approve"): Case(
        Kind.ADMIN,
        _form(lambda _t, _: {"approved_on": "2026-11-20", "signer_name": "Trần Văn Nam"}),
    ),
    ("POST", "/web/plans/{plan_id}/targets/{target_id}/inspection"): Case(
        Kind.SCOPED_WRITE, _web_open_planned
    ),
    ("POST", "/web/inspections/{inspection_id}/findings/sync"): Case(
        Kind.SCOPED_WRITE,
        _form(
            lambda t, _: {
                "items": json.dumps(
                    [
                        {
                            "client_uuid": str(uuid.uuid4()),
                            "kind": "ok",
                            "instrument_id": t.instrument_id,
                        }
                    ]
                )
            }
        ),
    ),
    # rehoming review: the list is filtered to the caller's area; deciding a case of another
    # area is refused; the case, once decided by its inspector, answers the admin with 409
    ("GET", "/web/rehoming"): Case(Kind.AUTH),
    ("POST", "/web/rehoming/{case_id}/decide"): Case(
        Kind.SCOPED_WRITE,
        _form(lambda t, _: {"unit_id": str(t.case_unit_id), "note": "xác minh"}),
        frozenset({409}),
    ),
    # possible duplicate owners: the list holds the owners of the caller's area; a merge (its
    # confirmation page too) is the administrator's (owners/merge.py)
    ("GET", "/web/owners/duplicates"): Case(Kind.AUTH),
    ("GET", "/web/owners/merge"): Case(
        Kind.ADMIN, _q(keep=lambda t: t.owner_id, duplicate=lambda t: t.dup_owner_id)
    ),
    ("POST", "/web/owners/merge"): Case(
        Kind.ADMIN,
        _form(lambda t, _: {"keep": str(t.owner_id), "duplicate": str(t.dup_owner_id)}),
    ),
    # an account message is its holder's: anyone else is answered 404
    ("POST", "/web/messages/{message_id}/read"): Case(Kind.AUTH, also_ok=frozenset({404})),
    ("GET", "/web/reports/yearly"): Case(Kind.SCOPED_READ, _YEARLY),
    ("GET", "/web/reports/yearly.xlsx"): Case(Kind.SCOPED_READ, _YEARLY),
    ("GET", "/web/reports/yearly.pdf"): Case(Kind.SCOPED_READ, _YEARLY),
    # the control-scale log: a market board logs in to its market's page (staff are sent on
    # to the markets), copies its paper log in; the market's inspectors and admins read it
    ("GET", "/web/control-log"): Case(Kind.AUTH, board=Board.ALL),
    # Logout ends every session of the account: a second role on the same account (inspector
    # own/other, board own/other) finds its session already ended (303 to the login page).
    ("POST", "/web/control-log/logout"): Case(Kind.AUTH, also_ok=frozenset({303}), board=Board.ALL),
    ("GET", "/web/control-log/{site_id}"): Case(Kind.SCOPED_READ, board=Board.OWN),
    ("POST", "/web/control-log/{site_id}"): Case(Kind.BOARD, _form(_web_log_line), board=Board.OWN),
    ("POST", "/web/control-log/{site_id}/import"): Case(Kind.BOARD, _log_file, board=Board.OWN),
}

CASES: dict[tuple[str, str], Case] = {
    # public: the verify page and its JSON twin, keys, health, docs, the owner's ack link
    ("GET", "/openapi.json"): Case(Kind.PUBLIC),
    # the front door redirects everyone to /web/ (which asks for a login when needed)
    ("GET", "/"): Case(Kind.PUBLIC),
    ("GET", "/web"): Case(Kind.PUBLIC),
    ("GET", "/docs"): Case(Kind.PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Case(Kind.PUBLIC),
    ("GET", "/redoc"): Case(Kind.PUBLIC),
    ("GET", "/v/{code}"): Case(Kind.PUBLIC, lambda t, _: Req(path={"code": t.stamp_code})),
    ("GET", "/V/{code}"): Case(Kind.PUBLIC, lambda t, _: Req(path={"code": t.stamp_code})),
    ("GET", "/healthz"): Case(Kind.PUBLIC),
    ("GET", "/readyz"): Case(Kind.PUBLIC),
    # 404 without METROLOGY_METRICS_TOKEN: tests/metrology_svc/core/test_observability.py
    ("GET", "/metrics"): Case(Kind.PUBLIC, also_ok=frozenset({404}), proved_elsewhere=True),
    ("GET", "/api/v1/stamps/keys"): Case(Kind.PUBLIC),
    ("GET", "/api/v1/stamps/verify"): Case(Kind.PUBLIC, _q(code=lambda t: t.stamp_code)),
    # a GET of the API link only leads to the page (303); the page's GET shows, its POST acts
    ("GET", "/api/v1/notices/ack"): Case(
        Kind.PUBLIC, lambda t, _: Req(params={"token": t.ack_path.rsplit("/", 1)[1]})
    ),
    # stamps
    ("GET", "/api/v1/stamps/scan-log"): Case(Kind.ADMIN),
    ("GET", "/api/v1/stamps/flags"): Case(Kind.AUTH),
    ("POST", "/api/v1/stamps/flags/{flag_id}/resolve"): Case(
        Kind.SCOPED_WRITE, also_ok=frozenset({409})
    ),
    ("POST", "/api/v1/stamps/sheet"): Case(
        Kind.SCOPED_READ, _body(lambda t, _: {"stamp_ids": [t.stamp_id]})
    ),
    ("GET", "/api/v1/stamps"): Case(Kind.SCOPED_READ, _INSTRUMENT_ID),
    ("GET", "/api/v1/stamps/{stamp_id}"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/stamps/{stamp_id}/qr.png"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/stamps/{stamp_id}/qr.svg"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/stamps/{stamp_id}/scans"): Case(Kind.SCOPED_READ),
    ("POST", "/api/v1/stamps/{stamp_id}/revoke"): Case(
        Kind.SCOPED_WRITE,
        _body(lambda _t, _: {"reason": "broken_seal", "note": "kẹp chì đứt"}),
        frozenset({409}),  # the second caller finds it revoked
    ),
    # units, sites, owners, types: reference data is office-wide
    ("POST", "/api/v1/units"): Case(
        Kind.ADMIN,
        _body(
            lambda _t, tag: {
                "code": f"9{len(tag)}{tag[:3]}",
                "name": f"Xã {tag}",
                "level": "commune",
                "parent_code": "42",
            }
        ),
    ),
    ("GET", "/api/v1/units"): Case(Kind.AUTH),
    ("GET", "/api/v1/units/schemes"): Case(Kind.AUTH),
    ("GET", "/api/v1/units/{code}"): Case(
        Kind.SCOPED_READ, lambda t, _: Req(path={"code": t.district_code})
    ),
    ("POST", "/api/v1/sites"): Case(
        Kind.SCOPED_WRITE,
        _body(lambda t, tag: {"kind": "market", "name": f"Chợ {tag}", "unit_code": t.unit_code}),
    ),
    ("GET", "/api/v1/sites"): Case(Kind.AUTH),
    ("GET", "/api/v1/sites/{site_id}"): Case(Kind.SCOPED_READ),
    ("PATCH", "/api/v1/sites/{site_id}"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, tag: {"address": f"Số {tag}"})
    ),
    ("POST", "/api/v1/owners"): Case(Kind.OFFICE_WRITE, _body(lambda _t, tag: {"name": tag})),
    ("GET", "/api/v1/owners"): Case(Kind.AUTH),
    ("GET", "/api/v1/owners/{owner_id}"): Case(Kind.AUTH),
    # An owner's contact data: only where all the owner's instruments lie in the caller's units
    # (its identity fields: admins only, tests/metrology_svc/test_authorization_derived.py).
    # Folding a duplicate owner into another: the administrator's (owners/merge.py)
    ("POST", "/api/v1/owners/{owner_id}/merge"): Case(
        Kind.ADMIN, _body(lambda t, _: {"duplicate_id": t.dup_owner_id})
    ),
    ("PATCH", "/api/v1/owners/{owner_id}"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, tag: {"address": tag})
    ),
    ("GET", "/api/v1/instrument-types"): Case(Kind.AUTH),
    ("GET", "/api/v1/instrument-types/{code}"): Case(
        Kind.AUTH, lambda _t, _: Req(path={"code": "fuel_dispenser"})
    ),
    # instruments and verifications
    ("POST", "/api/v1/instruments"): Case(
        Kind.SCOPED_WRITE,
        _body(
            lambda t, tag: {
                "type_code": "scale_spring_dial",
                "serial": f"N-{tag}",
                "manufacturer": "Nhơn Hòa",
                "accuracy_class": "IIII",
                "e_g": 50,
                "max_g": 15000,
                "owner_id": t.owner_id,
                "site_id": t.site_id,
            }
        ),
    ),
    ("GET", "/api/v1/instruments"): Case(Kind.AUTH, owner=Owner.ALL),
    ("GET", "/api/v1/instruments/stats"): Case(Kind.AUTH),
    ("GET", "/api/v1/instruments/{instrument_id}"): Case(Kind.SCOPED_READ, owner=Owner.OWN),
    ("PATCH", "/api/v1/instruments/{instrument_id}"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, tag: {"model": tag})
    ),
    ("POST", "/api/v1/instruments/{instrument_id}/status"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, _: {"action": "suspend", "reason": "kiểm tra"})
    ),
    ("GET", "/api/v1/instruments/{instrument_id}/history"): Case(Kind.SCOPED_READ, owner=Owner.OWN),
    ("POST", "/api/v1/instruments/{instrument_id}/verifications"): Case(
        Kind.SCOPED_WRITE, _body(_verification)
    ),
    ("GET", "/api/v1/instruments/{instrument_id}/verifications"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/verifications/{verification_id}"): Case(Kind.SCOPED_READ),
    ("POST", "/api/v1/imports/instruments"): Case(Kind.ROWS_SCOPED, _csv),
    # A check only: rows outside the caller's units are errors in the file, not a refusal.
    ("POST", "/api/v1/imports/instruments/errors"): Case(Kind.OFFICE_WRITE, _csv),
    ("GET", "/api/v1/exports/instruments"): Case(Kind.AUTH),
    # standards: listing what a standard backed is allowed to writers; revoking is admin's
    ("POST", "/api/v1/standards"): Case(
        Kind.OFFICE_WRITE, _body(lambda _t, tag: {"code": f"S-{tag}", "name": "Quả cân 1 kg"})
    ),
    ("GET", "/api/v1/standards"): Case(Kind.AUTH),
    ("POST", "/api/v1/standards/{code}/out-of-tolerance"): Case(
        Kind.OFFICE_WRITE,
        lambda _t, _: Req(
            path={"code": STANDARD},
            json={"last_good_calibration": "2026-01-01", "action": "list"},
        ),
    ),
    # accounts
    ("POST", "/api/v1/users"): Case(
        Kind.ADMIN,
        _body(
            lambda _t, tag: {
                "name": "Người mới",
                "email": f"{tag}@tdc.example.vn",
                "role": "viewer",
            }
        ),
    ),
    ("GET", "/api/v1/users/me"): Case(Kind.AUTH, owner=Owner.ALL),
    ("POST", "/api/v1/users/me/messages/{message_id}/read"): Case(
        Kind.AUTH, also_ok=frozenset({404}), owner=Owner.ALL
    ),
    # rehoming: moving sites to the 2025 communes; a case belongs to its old unit and candidates
    ("GET", "/api/v1/rehoming/cases"): Case(Kind.AUTH),
    ("GET", "/api/v1/rehoming/cases/{case_id}"): Case(Kind.SCOPED_READ),
    ("POST", "/api/v1/rehoming/cases/{case_id}/decide"): Case(
        Kind.SCOPED_WRITE,
        _body(lambda t, _: {"unit_code": t.unit_code, "note": "xác minh"}),
        frozenset({409}),  # decided by the inspector first, the admin finds it closed
    ),
    ("POST", "/api/v1/rehoming/run"): Case(
        Kind.ADMIN, _body(lambda _t, _: {"province_code": "42", "dry_run": True})
    ),
    ("GET", "/api/v1/sites/{site_id}/history"): Case(Kind.SCOPED_READ),
    # control scales at a site
    ("GET", "/api/v1/sites/{site_id}/devices"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/sites/{site_id}/sellers"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/sites/{site_id}/sellers/{seller_id}/evidence"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/sites/{site_id}/inspection-requests"): Case(Kind.SCOPED_READ),
    ("POST", "/api/v1/sites/{site_id}/inspection-requests/{request_id}/close"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, _: {"outcome": "đạt"}), frozenset({409})
    ),
    ("GET", "/api/v1/sites/{site_id}/feed"): Case(Kind.SCOPED_READ, _q(max_seconds=lambda _t: 0)),
    # notices
    ("GET", "/api/v1/notices"): Case(Kind.SCOPED_READ, _INSTRUMENT_ID, owner=Owner.OWN),
    ("GET", "/api/v1/notices/preferences/{owner_id}"): Case(Kind.AUTH),
    ("PUT", "/api/v1/notices/preferences/{owner_id}"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, _: {"email": "hoa@example.com", "letter": True})
    ),
    ("GET", "/api/v1/notices/{notice_id}"): Case(Kind.SCOPED_READ, owner=Owner.OWN),
    ("GET", "/api/v1/notices/{notice_id}/letter.pdf"): Case(Kind.SCOPED_READ, owner=Owner.OWN),
    # verification rounds of a district
    ("GET", "/api/v1/rounds"): Case(Kind.SCOPED_READ, _DISTRICT),
    ("GET", "/api/v1/rounds/export.xlsx"): Case(Kind.SCOPED_READ, _DISTRICT),
    # state inspections at a site, and the yearly report of a district
    ("POST", "/api/v1/inspections"): Case(
        Kind.SCOPED_WRITE,
        _body(
            lambda t, _: {"site_id": t.site_id, "inspector": "Đoàn", "inspected_on": "2026-11-19"}
        ),
    ),
    ("GET", "/api/v1/inspections"): Case(Kind.AUTH),
    ("GET", "/api/v1/inspections/{inspection_id}"): Case(Kind.SCOPED_READ),
    ("POST", "/api/v1/inspections/{inspection_id}/findings/sync"): Case(
        Kind.SCOPED_WRITE,
        _body(
            lambda t, _: {
                "items": [
                    {
                        "client_uuid": str(uuid.uuid4()),
                        "kind": "ok",
                        "instrument_id": t.instrument_id,
                    }
                ]
            }
        ),
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/close"): Case(
        Kind.SCOPED_WRITE, also_ok=frozenset({409})
    ),
    ("GET", "/api/v1/reports/yearly"): Case(Kind.SCOPED_READ, _YEARLY),
    ("GET", "/api/v1/reports/yearly.xlsx"): Case(Kind.SCOPED_READ, _YEARLY),
    ("GET", "/api/v1/reports/yearly.pdf"): Case(Kind.SCOPED_READ, _YEARLY),
    # the report's own texts (II, III) and issuing it (its number from the register)
    ("PUT", "/api/v1/reports/texts"): Case(
        Kind.SCOPED_WRITE,
        _body(
            lambda t, tag: {
                "unit_code": t.district_code,
                "period_from": "2026-01-01",
                "period_to": "2026-12-31",
                "achievements": f"Kết quả {tag}",
            }
        ),
    ),
    ("POST", "/api/v1/reports/issue"): Case(Kind.SCOPED_WRITE, _YEARLY),  # again: same number
    # inspection plans: an administrator drafts, changes and approves them; whoever may
    # inspect the site opens the inspection of an approved plan's target
    ("POST", "/api/v1/inspection-plans"): Case(
        Kind.ADMIN,
        _body(
            lambda t, _: {
                "year": 2026,
                "issuer_unit_code": "42",
                "unit_codes": [t.unit_code],
                "site_kinds": ["market"],
            }
        ),
    ),
    ("GET", "/api/v1/inspection-plans"): Case(Kind.AUTH),
    ("GET", "/api/v1/inspection-plans/{plan_id}"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/inspection-plans/{plan_id}/plan.pdf"): Case(Kind.SCOPED_READ),
    ("PATCH", "/api/v1/inspection-plans/{plan_id}"): Case(
        Kind.ADMIN, _body(lambda _t, tag: {"content": f"Nội dung {tag}"})
    ),
    ("POST", "/api/v1/inspection-plans/{plan_id}/targets"): Case(
        Kind.ADMIN, _body(lambda t, _: {"targets": [{"site_id": t.site_id, "month": 6}]})
    ),
    ("DELETE", "/api/v1/inspection-plans/{plan_id}/targets/{target_id}"): Case(Kind.ADMIN),
    ("POST", "/api/v1/inspection-plans/{plan_id}/approve"): Case(
        Kind.ADMIN,
        _body(lambda _t, _: {"approved_on": "2026-11-20", "signer_name": "Trần Văn Nam"}),
    ),
    ("POST", "/api/v1/inspection-plans/{plan_id}/targets/{target_id}/inspection"): Case(
        Kind.SCOPED_WRITE, _open_planned
    ),
    # the inspection's procedure: decision, team, measures, measurement checks, its papers
    ("PUT", "/api/v1/inspections/{inspection_id}/decision"): Case(
        Kind.SCOPED_WRITE, _body(_decision)
    ),
    ("PUT", "/api/v1/inspections/{inspection_id}/team"): Case(
        Kind.SCOPED_WRITE, _body(lambda _t, _: {"members": TEAM})
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/measures"): Case(
        Kind.SCOPED_WRITE,
        _body(lambda _t, _: {"kind": "violation_proposal", "note": "cân thiếu 50 g"}),
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/measurement-checks"): Case(
        Kind.SCOPED_WRITE,
        _body(
            lambda _t, _: {
                "kind": "retail_weighing",
                "goods": "thịt lợn",
                "declared": 1000,
                "measured": 990,
            }
        ),
    ),
    ("POST", "/api/v1/inspections/{inspection_id}/measurement-checks/sync"): Case(
        Kind.SCOPED_WRITE,
        _body(
            lambda _t, _: {
                "items": [
                    {
                        "client_uuid": str(uuid.uuid4()),
                        "kind": "retail_weighing",
                        "goods": "thịt lợn",
                        "declared": 1000,
                        "measured": 990,
                    }
                ]
            }
        ),
    ),
    ("GET", "/api/v1/inspections/{inspection_id}/measurement-checks"): Case(Kind.SCOPED_READ),
    ("GET", "/api/v1/inspections/{inspection_id}/minutes.pdf"): Case(Kind.SCOPED_READ, _closed),
    ("GET", "/api/v1/inspections/{inspection_id}/result-notice.pdf"): Case(
        Kind.SCOPED_READ, _closed
    ),
    # verification rounds: printing one takes a register number; offices' days off (admin)
    ("GET", "/api/v1/rounds/plan.pdf"): Case(Kind.SCOPED_WRITE, _DISTRICT),
    ("GET", "/api/v1/rounds/days-off"): Case(Kind.SCOPED_READ, _DISTRICT),
    ("POST", "/api/v1/rounds/days-off"): Case(
        Kind.ADMIN,
        _body(lambda t, _: {"unit_code": t.unit_code, "day": "2027-03-02", "reason": "Nghỉ bù"}),
    ),
    ("DELETE", "/api/v1/rounds/days-off/{day_off_id}"): Case(Kind.ADMIN),
    # the control-scale log: the market's board writes it (no staff); its board, the market's
    # inspectors and admins read it; an administrator gives a board its markets
    ("POST", "/api/v1/control-logs/sites/{site_id}/entries"): Case(
        Kind.BOARD, _body(_log_line), board=Board.OWN
    ),
    ("POST", "/api/v1/control-logs/sites/{site_id}/imports"): Case(
        Kind.BOARD, _log_file, board=Board.OWN
    ),
    ("GET", "/api/v1/control-logs/sites/{site_id}/entries"): Case(
        Kind.SCOPED_READ, board=Board.OWN
    ),
    ("PUT", "/api/v1/control-logs/boards/{user_id}/sites/{site_id}"): Case(Kind.ADMIN),
    ("DELETE", "/api/v1/control-logs/boards/{user_id}/sites/{site_id}"): Case(Kind.ADMIN),
    # audit
    ("GET", "/api/v1/audit"): Case(Kind.ADMIN),
    # rulebook: reading and loading rule tables is the administrator's
    ("GET", "/api/v1/rules"): Case(Kind.ADMIN),
    ("GET", "/api/v1/rules/{code}"): Case(Kind.ADMIN, lambda _t, _: Req(path={"code": "cycles"})),
    ("POST", "/api/v1/rules"): Case(Kind.ADMIN, _body(_retail_table)),
    **WEB_CASES,
    ("POST", "/api/v1/notices/ack"): Case(
        Kind.PUBLIC, lambda t, _: Req(params={"token": t.ack_path.rsplit("/", 1)[1]})
    ),
    ("GET", "/xn/{token}"): Case(
        Kind.PUBLIC, lambda t, _: Req(path={"token": t.ack_path.rsplit("/", 1)[1]})
    ),
    ("POST", "/xn/{token}"): Case(
        Kind.PUBLIC, lambda t, _: Req(path={"token": t.ack_path.rsplit("/", 1)[1]})
    ),
}


def app_routes(settings: Settings) -> set[tuple[str, str]]:
    """Return (method, path) of every route the app serves (HEAD rides along with GET)."""
    app = create_app(settings=settings)
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or {"MOUNT"}:
            if method != "HEAD" and route.path is not None:
                found.add((method, route.path))
    return found


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose stamp scans are written at once, not by a background task that would
    share the test's connection with the requests."""
    return Settings(data_dir=tmp_path, stamp_key_dir=tmp_path / "keys", stamp_scan_flush_seconds=0)


def test_every_route_is_classified(settings: Settings) -> None:
    routes = app_routes(settings)
    unclassified = sorted(routes - CASES.keys())
    assert unclassified == [], f"classify these routes in CASES: {unclassified}"
    assert sorted(CASES.keys() - routes) == [], "CASES names routes the app no longer has"


def _stamped(
    db: Session, world: World, settings: Settings, admin: Principal, t: Target, serial: str
) -> Any:
    body = {**spring_scale(world, serial=serial, site_id=t.site_id), "owner_id": t.owner_id}
    instrument = create_instrument(db, admin, InstrumentCreate.model_validate(body))
    assert instrument.id is not None
    verification = record_verification(
        db,
        admin,
        instrument.id,
        VerificationCreate.model_validate(
            {
                **_verification(),
                "verified_on": "2026-11-02",
                "standard_codes": [STANDARD],
            }
        ),
        settings=settings,
        today=TODAY,
    )
    stamp = StampRepository(db).for_instrument(instrument.id)[0]
    enqueue(
        db, kind=NoticeKind.LOST_STAMP, instrument_id=instrument.id, due_date=TODAY, now=utcnow()
    )
    notice = db.exec(select(Notice).where(Notice.instrument_id == instrument.id)).one()
    assert stamp.id is not None
    assert notice.id is not None
    flag = StampFlag(stamp_id=stamp.id, kind=FlagKind.FAR_FROM_SITE)
    seller = Seller(site_id=t.site_id, ref_kind="stall", ref="A-12", instrument_id=instrument.id)
    db.add_all([flag, seller])
    db.flush()
    request = InspectionRequest(
        instrument_id=instrument.id,
        site_id=t.site_id,
        seller_id=seller.id,
        reason="cân thiếu",
        open_key=instrument.id,
    )
    db.add(request)
    db.flush()
    return instrument, verification, stamp, notice, flag, seller, request


@pytest.fixture
def targets(db: Session, world: World, settings: Settings) -> dict[str, Target]:
    """A stamped, notified, flagged instrument in commune A (18754) and in commune B (18781)."""
    admin = authenticate(db, world.tokens["admin"])
    create_standard(db, admin, StandardBase(code=STANDARD, name="Quả cân chuẩn M1"))
    for owner_id in (world.owner_vi, world.owner_en):
        db.add(NoticePreference(owner_id=owner_id, email="chu@example.com"))
    world.tokens["owner"] = create_user(
        db,
        name="Nguyễn Thị Hoa",
        email="hoa@example.com",
        role=Role.OWNER,
        unit_codes=[],
        owner_id=world.owner_vi,
    ).token
    ring = keyring_for(settings)
    out = {}
    for name, site_id, commune, district, owner_id in [
        ("A", world.market_a, "18754", "18754", world.owner_vi),
        ("B", world.market_b, "18781", "18781", world.owner_en),
    ]:
        t = Target(unit_code=commune, district_code=district, site_id=site_id, owner_id=owner_id)
        instrument, verification, stamp, notice, flag, seller, request = _stamped(
            db, world, settings, admin, t, f"AUTH-{name}"
        )
        t.instrument_id, t.verification_id = instrument.id, verification.id
        t.stamp_id, t.stamp_code = stamp.id, stamp_code(ring, stamp)
        t.notice_id, t.ack_path, t.flag_id = notice.id, ack_url(settings, notice.id), flag.id
        t.seller_id, t.request_id = seller.id, request.id
        t.inspection_id = _prepared_inspection(db, admin, settings, t)
        t.closed_inspection_id = _prepared_inspection(db, admin, settings, t)
        signed = CloseIn(party_signature=PartySignature.SIGNED)
        close_inspection(db, admin, t.closed_inspection_id, signed)
        _plans(db, admin, settings, t)
        unit = UnitRepository(db).by_code(commune, "2025")
        assert unit is not None
        day_off = add_day_off(db, admin, unit=unit, day=date(2026, 12, 24), reason="Hội nghị")
        t.day_off_id = day_off.id or 0
        duplicate = OwnerRecord(name=f"Chủ trùng {name}")
        db.add(duplicate)
        db.flush()
        t.dup_owner_id = duplicate.id or 0
        out[name] = t
    _rehoming_targets(db, world, out)
    _market_board(db, world, out)
    db.commit()
    return out


def _prepared_inspection(db: Session, admin: Principal, settings: Settings, t: Target) -> int:
    """Open an inspection at the target's site with its decision and team (so it may close)."""
    inspection = create_inspection(
        db,
        admin,
        InspectionCreate(site_id=t.site_id, inspector="Đoàn kiểm tra", inspected_on=TODAY),
        today=TODAY,
    )[0]
    assert inspection.id is not None
    decision = DecisionIn.model_validate(_decision())
    record_decision(db, admin, inspection.id, decision, settings=settings, today=TODAY)
    set_team(db, admin, inspection.id, TeamIn.model_validate({"members": TEAM}))
    return inspection.id


def _plans(db: Session, admin: Principal, settings: Settings, t: Target) -> None:
    """Give the target a draft plan with one target, and an approved plan with nine."""

    def plan(months: range) -> tuple[int, list[int]]:
        body = {"year": 2026, "issuer_unit_code": "42", "unit_codes": [t.unit_code]}
        made = create_plan(db, admin, PlanCreate.model_validate({**body, "site_kinds": ["market"]}))
        assert made.id is not None
        items = [TargetCreate(site_id=t.site_id, month=m) for m in months]
        return made.id, [p.id or 0 for p in add_targets(db, admin, made.id, items)]

    t.plan_id, (t.target_id,) = plan(range(1, 2))
    t.approved_plan_id, t.open_targets = plan(range(1, 10))
    approval = PlanApprove(approved_on=TODAY, signer_name="Trần Văn Nam")
    approve_plan(db, admin, t.approved_plan_id, approval, today=TODAY, settings=settings)


def _market_board(db: Session, world: World, out: dict[str, Target]) -> None:
    """Create the board of market A (ban quản lý chợ), an account that keeps its log."""
    issued = create_user(
        db,
        name="Ban quản lý chợ Kỳ Anh",
        email="board@tdc.example.vn",
        role=Role.MARKET_BOARD,
        unit_codes=[],
    )
    assert issued.user.id is not None
    db.add(UserSite(user_id=issued.user.id, site_id=out["A"].site_id))
    world.tokens["board"] = issued.token
    for t in out.values():
        t.user_id = issued.user.id


@pytest.fixture
def control_scales(db: Session, world: World, targets: dict[str, Target]) -> dict[str, Target]:
    """Give each market a control scale set up on 1 June 2026 (apart from `targets`: the other
    tests count the targets' instruments)."""
    admin = authenticate(db, world.tokens["admin"])
    for name, t in targets.items():
        scale = create_instrument(
            db,
            admin,
            InstrumentCreate(
                type_code="scale_counter",
                serial=f"CDC-{name}",
                manufacturer="Vibra",
                accuracy_class="III",
                max_g=30000,
                e_g=10,
                d_g=10,
                owner_id=t.owner_id,
                site_id=t.site_id,
                role=InstrumentRole.CONTROL,
            ),
        )
        scale.created_at = datetime(2026, 6, 1, tzinfo=UTC)
        t.control_scale_id = scale.id or 0
    db.commit()
    return targets


def _rehoming_targets(db: Session, world: World, out: dict[str, Target]) -> None:
    """Give A and B a review case (a site of an old 2004 commune) and inspector A a message."""
    old = make_old(db)
    # A: Xã Kỳ Lợi went (in part) to Sông Trí; B: a site of Kỳ Hà, candidates without Sông Trí.
    for name, code, site_old, candidates in [
        ("A", "18754", "18796", ["18754", "18823"]),
        ("B", "18781", "18808", ["18781", "18823"]),
    ]:
        site = old.site(db, f"Chợ cũ {name}", site_old)
        units = [old.new[c] for c in candidates]
        case = RehomeCase(
            site_id=site.id or 0,
            old_unit_id=old.old[site_old].id or 0,
            to_scheme="2025",
            candidates=[
                {"unit_id": u.id, "code": u.code, "name": u.name, "default": False} for u in units
            ],
        )
        db.add(case)
        db.flush()
        out[name].case_id, out[name].case_unit_id = case.id or 0, old.new[code].id or 0
    inspector_a = authenticate(db, world.tokens["inspector_a"]).user_id
    message = tell(db, user_id=inspector_a, text_vi="Địa bàn đã chuyển.", text_en="Scope moved.")
    for t in out.values():
        t.message_id = message.id or 0


LOGIN_PAGE = "/web/login?next="
PASSWORD = "mật-khẩu-kiểm-thử-01"


@dataclass
class Caller:
    """How one role calls: a bearer token for the API, a session cookie and CSRF for pages."""

    token: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    return found.group(1) if found else ""


def _web_login(client: TestClient, email: str, page: str = "/web/") -> tuple[dict[str, str], str]:
    """Log in through the login form; return the session cookies and a page's CSRF token."""
    client.cookies.clear()
    form = _csrf(client.get("/web/login").text)
    body = {"email": email, "password": PASSWORD, "csrf": form}
    r = client.post("/web/login", data=body, follow_redirects=False)
    assert r.status_code == 303, r.text
    cookies = dict(client.cookies)
    csrf = _csrf(client.get(page).text)
    client.cookies.clear()
    assert csrf
    return cookies, csrf


def _callers(
    client: TestClient, db: Session, world: World, *, web: bool, board_page: str
) -> dict[str, Caller]:
    """Return each role's credentials; for pages, staff and the market board log in (owners
    have no web session; the board's CSRF token comes from its log's page)."""
    sessions: dict[str, tuple[dict[str, str], str]] = {}
    if web:
        for account in ("viewer", "inspector_a", "admin", "board"):
            set_password(db, email=f"{account}@tdc.example.vn", password=PASSWORD)
        db.commit()
        sessions = {
            a: _web_login(client, f"{a}@tdc.example.vn", board_page if a == "board" else "/web/")
            for a in set(TOKENS.values())
            if a != "owner"
        }
    out = {"anonymous": Caller()}
    for role, account in TOKENS.items():
        out[role] = Caller(world.tokens[account], *sessions.get(account, ({}, "")))
    return out


def _call(client: TestClient, method: str, path: str, req: Req, caller: Caller) -> int:
    """Make the call; a page's redirect after success counts as 200, to login as 303."""
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
    data = req.data
    if path.startswith("/web/") and method == "POST" and req.json is None:
        data = {**(data or {}), "csrf": caller.csrf}
    client.cookies.clear()
    for name, value in caller.cookies.items():
        client.cookies.set(name, value)
    response = client.request(
        "GET" if method == "MOUNT" else method,
        req.url or path.format(**req.path),
        params=req.params,
        json=req.json,
        files=req.files,
        data=data,
        headers=headers,
        follow_redirects=False,
    )
    client.cookies.clear()
    status = int(response.status_code)
    if status == 303 and not response.headers.get("location", "").startswith(LOGIN_PAGE):
        return 200
    return status


def _path_values(path: str, target: Target) -> dict[str, Any]:
    names = re.findall(r"{(\w+)}", path)
    return {n: getattr(target, n) for n in names if hasattr(target, n)}


@pytest.mark.parametrize(("method", "path"), sorted(CASES))
def test_route_answers_each_role_as_its_kind_allows(
    method: str,
    path: str,
    client: TestClient,
    db: Session,
    world: World,
    control_scales: dict[str, Target],
) -> None:
    targets = control_scales
    case = CASES[(method, path)]
    board_page = f"/web/control-log/{targets['A'].site_id}"
    callers = _callers(client, db, world, web=path.startswith("/web/"), board_page=board_page)
    want = expected(case.kind, case.owner, case.board, path=path)
    got: dict[str, int] = {}
    for role in ROLES:
        # The out-of-jurisdiction inspector (unit A) touches district B's records.
        target = targets["B" if role in OTHER else "A"]
        req = case.build(target, f"{role.replace('_', '')}{len(got)}")
        req.path = {**_path_values(path, target), **req.path}
        got[role] = _call(client, method, path, req, callers[role])
    wrong = {}
    for role, status in got.items():
        ok = 200 <= status < 300 or status in case.also_ok
        if (want[role] == OK and not ok) or (want[role] != OK and status != want[role]):
            wrong[role] = (status, "success" if want[role] == OK else want[role])
    assert wrong == {}, f"{method} {path} ({case.kind.value}): got {got}"
    allowed = [r for r, w in want.items() if w == OK]
    succeeded = any(200 <= got[r] < 300 for r in allowed)
    assert succeeded or case.proved_elsewhere, f"no allowed call succeeded: {got}"


def _ids(key: str) -> Callable[[Any], set[int]]:
    return lambda body: {item[key] for item in body}


# Lists open to every account, filtered to the caller's units: (method, path, body, what
# instrument ids the answer shows).
FILTERED: dict[str, tuple[str, Any, Callable[[Any], set[int]]]] = {
    "/api/v1/instruments": ("GET", None, lambda b: {i["id"] for i in b["items"]}),
    "/api/v1/stamps/flags": ("GET", None, _ids("instrument_id")),
    "/api/v1/standards/QC-M1-01/out-of-tolerance": (
        "POST",
        {"last_good_calibration": "2026-01-01", "action": "list"},
        lambda b: {s["instrument_id"] for s in b["stamps"]},
    ),
}


@pytest.mark.parametrize("path", sorted(FILTERED))
def test_an_inspector_sees_only_their_units_in_office_wide_lists(
    path: str, client: TestClient, world: World, targets: dict[str, Target]
) -> None:
    method, body, shown = FILTERED[path]
    a, b = targets["A"].instrument_id, targets["B"].instrument_id
    cases = [("admin", {a, b}), ("viewer", {a, b}), ("inspector_a", {a}), ("inspector_b", {b})]
    if path == "/api/v1/instruments":
        cases.append(("owner", {a}))  # the owner portal account of A's owner
    for role, expected in cases if method == "GET" else cases[:1] + cases[2:]:
        r = client.request(method, path, json=body, headers=world.auth(role))
        assert r.status_code == 200, r.text
        assert shown(r.json()) == expected, role


def test_an_inspector_sees_only_their_units_in_counts_sites_and_exports(
    client: TestClient, world: World, targets: dict[str, Target]
) -> None:
    insp = world.auth("inspector_a")
    assert client.get("/api/v1/instruments/stats", headers=insp).json()["total"] == 1
    assert client.get("/api/v1/instruments/stats", headers=world.auth("admin")).json()["total"] == 2
    exported = client.get("/api/v1/exports/instruments", headers=insp).text
    assert "AUTH-A" in exported
    assert "AUTH-B" not in exported
    sites = client.get("/api/v1/sites", headers=insp).json()["items"]
    assert {s["id"] for s in sites} == {world.market_a, world.station_a}
    units = client.get("/api/v1/units", headers=insp).json()["items"]
    assert "18781" not in {u["code"] for u in units}
    for code, status in [("42", 200), ("18754", 200), ("18781", 403), ("18073", 403)]:
        assert client.get(f"/api/v1/units/{code}", headers=insp).status_code == status, code


def test_an_owner_account_gets_no_web_session(
    client: TestClient, db: Session, world: World, targets: dict[str, Target]
) -> None:
    set_password(db, email="hoa@example.com", password=PASSWORD)
    db.commit()
    client.cookies.clear()
    form = _csrf(client.get("/web/login").text)
    body = {"email": "hoa@example.com", "password": PASSWORD, "csrf": form}
    r = client.post("/web/login", data=body, follow_redirects=False)
    assert r.status_code == 401
    assert SESSION_COOKIE not in client.cookies
    client.cookies.clear()


def test_a_province_scope_covers_every_commune_and_a_commune_scope_only_its_own(
    client: TestClient, db: Session, world: World, targets: dict[str, Target]
) -> None:
    province = create_user(
        db, name="Sở KH&CN", email="so@tdc.example.vn", role=Role.INSPECTOR, unit_codes=["42"]
    ).token
    db.commit()
    by_province = {"Authorization": f"Bearer {province}"}
    for t in targets.values():
        for path in (f"/api/v1/sites/{t.site_id}", f"/api/v1/instruments/{t.instrument_id}"):
            assert client.get(path, headers=by_province).status_code == 200, path
        assert (
            client.get(f"/api/v1/rehoming/cases/{t.case_id}", headers=by_province).status_code
            == 200
        )
        patch = client.patch(
            f"/api/v1/sites/{t.site_id}", json={"address": "tỉnh Hà Tĩnh"}, headers=by_province
        )
        assert patch.status_code == 200
    listed = client.get("/api/v1/rehoming/cases", headers=by_province).json()
    assert listed["total"] == 2
    a, b = targets["A"], targets["B"]
    commune = world.auth("inspector_a")
    assert client.get(f"/api/v1/sites/{a.site_id}", headers=commune).status_code == 200
    assert client.get(f"/api/v1/sites/{b.site_id}", headers=commune).status_code == 403
    mine = client.get("/api/v1/rehoming/cases", headers=commune).json()["items"]
    assert [c["id"] for c in mine] == [a.case_id]
    # The old 2004 Phường Hưng Trí shares the code 18754 but not the path: not the commune's.
    old_site = client.get(f"/api/v1/rehoming/cases/{a.case_id}", headers=commune).json()
    assert old_site["old_unit"]["scheme"] == "2004"
    assert client.get(f"/api/v1/sites/{old_site['site_id']}", headers=commune).status_code == 403


def test_a_site_moved_between_communes_changes_who_sees_and_edits_it(
    client: TestClient, db: Session, world: World, targets: dict[str, Target]
) -> None:
    a = targets["A"]
    site_path, instrument_path = (
        f"/api/v1/sites/{a.site_id}",
        f"/api/v1/instruments/{a.instrument_id}",
    )
    insp_a, insp_b = world.auth("inspector_a"), world.auth("inspector_b")
    before = {"address": "phường Sông Trí"}
    assert client.patch(site_path, json=before, headers=insp_a).status_code == 200
    assert client.get(instrument_path, headers=insp_b).status_code == 403
    site = db.get(Site, a.site_id)
    hai_ninh = UnitRepository(db).by_code("18781", "2025")
    assert site is not None
    assert hai_ninh is not None
    move_site(
        db,
        site=site,
        to_unit=hai_ninh,
        reason=MoveReason.MANUAL,
        basis="Chợ dời địa điểm",
        actor=authenticate(db, world.tokens["admin"]),
    )
    db.commit()

    after = {"address": "phường Hải Ninh"}
    for path in (site_path, instrument_path, f"/api/v1/sites/{a.site_id}/history"):
        assert client.get(path, headers=insp_a).status_code == 403, path
        assert client.get(path, headers=insp_b).status_code == 200, path
    assert client.patch(site_path, json=after, headers=insp_a).status_code == 403
    assert client.patch(site_path, json=after, headers=insp_b).status_code == 200
    # The verification made before the move keeps the unit it was made under.
    verification = db.get(Verification, a.verification_id)
    assert verification is not None
    assert verification.unit_id == world.unit_ids["18754"]


RESENDS: dict[str, dict[str, Any]] = {
    "measures": {"kind": "violation_proposal", "note": "cân thiếu"},
    "measurement-checks": {
        "kind": "retail_weighing",
        "goods": "thịt lợn",
        "declared": 1000,
        "measured": 950,
    },
}


@pytest.mark.parametrize("what", sorted(RESENDS))
def test_a_resend_is_answered_only_within_the_jurisdiction(
    what: str, client: TestClient, world: World, targets: dict[str, Target]
) -> None:
    """A resend (same client_uuid) answers the stored record: only to whoever may write it."""
    url = f"/api/v1/inspections/{targets['B'].inspection_id}/{what}"
    body = {"client_uuid": str(uuid.uuid4()), **RESENDS[what]}
    first = client.post(url, json=body, headers=world.auth("inspector_b"))
    assert first.status_code == 201, first.text
    again = client.post(url, json=body, headers=world.auth("inspector_b"))
    assert again.status_code in (200, 201), again.text
    assert again.json()["id"] == first.json()["id"]
    for role in ("viewer", "inspector_a"):
        r = client.post(url, json=body, headers=world.auth(role))
        assert r.status_code == 403, (role, r.status_code, r.text)


def test_an_inspector_lists_only_the_plans_of_their_units(
    client: TestClient, world: World, targets: dict[str, Target]
) -> None:
    a, b = targets["A"], targets["B"]
    plans = {a.plan_id, a.approved_plan_id}, {b.plan_id, b.approved_plan_id}
    for role, shown in [
        ("admin", plans[0] | plans[1]),
        ("viewer", plans[0] | plans[1]),
        ("inspector_a", plans[0]),
        ("inspector_b", plans[1]),
    ]:
        r = client.get("/api/v1/inspection-plans", headers=world.auth(role))
        assert r.status_code == 200, r.text
        assert {p["id"] for p in r.json()["items"]} == shown, role
