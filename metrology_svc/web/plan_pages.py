"""Inspection plan pages (kế hoạch kiểm tra nhà nước về đo lường): the list with a draft form,
and a plan with its targets and the forms that add, remove, approve and open inspections.

Every form calls the same inspection_plans function as its API route, inside a savepoint: a
refused change leaves nothing behind, and its message is shown next to the form (vi / en).
A refusal (403) or a missing plan or target (404) goes to the error page, as in the API.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.errors import DomainError, Forbidden, NotFound
from metrology_svc.core.pagination import PageParams
from metrology_svc.deps import SessionDep, SettingsDep, TodayDep
from metrology_svc.inspection_plans import opening, rules, service, targets, views
from metrology_svc.inspection_plans.models import InspectionPlan, PlanState
from metrology_svc.inspection_plans.repository import PlanRepository
from metrology_svc.inspection_plans.schemas import (
    InspectionOpen,
    PlanApprove,
    PlanCreate,
    TargetPublic,
    TargetsAdd,
)
from metrology_svc.settings import Settings
from metrology_svc.sites.models import SiteKind
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.units.models import UnitLevel
from metrology_svc.units.schemes import current_scheme
from metrology_svc.web import plan_texts
from metrology_svc.web.deps import FormDep, PageUser, PostedDep
from metrology_svc.web.forms import clean, domain_errors, pydantic_errors
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.queries import provinces_with_sites, units_of
from metrology_svc.web.render import render
from metrology_svc.web.texts import page_words

router = APIRouter(prefix="/web/plans", include_in_schema=False)
Year = Annotated[int | None, Query(ge=2000, le=2100)]
KINDS = [k.value for k in SiteKind]
# ?done= after a redirect → the words that say so
DONE = {"created": "pl_created", "added": "pl_added", "removed": "pl_removed",
        "approved": "pl_approved_msg"}  # fmt: skip
TEXTS = ["year", "issuer_unit_code", "period_from", "period_to", "subject"]
LONG = ["purpose", "content", "resources"]
FIELDS = {
    "create": frozenset([*TEXTS, *LONG, "unit_codes", "site_kinds"]),
    "targets": frozenset(["site_id", "month", "window_from", "window_to", "note"]),
    "approve": frozenset(["approved_on", "signer_authority", "signer_position", "signer_name"]),
    "open": frozenset(["inspector", "inspected_on", "note"]),
}


@dataclass
class Shown:
    """The form a page shows again: which one, what was typed, and what was wrong."""

    form: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    target_id: int | None = None
    status: int = 200

    @property
    def marked(self) -> bool:
        """Tell whether some message sits next to a field of the form."""
        return any(k in FIELDS.get(self.form, ()) for k in self.errors)

    @property
    def general(self) -> list[str]:
        """Return the messages that belong to no field of the form."""
        fields = FIELDS.get(self.form, frozenset())
        return [m for k, m in self.errors.items() if k not in fields]


def _words(lang: str) -> dict[str, str]:
    return {**page_words(lang), **plan_texts.words(lang)}


def _field_of(key: str) -> str:
    """Return the form field an error's location names ("targets.0.month" → "month")."""
    parts = [p for p in key.split(".") if not p.isdigit()]
    name = parts[-1] if parts else "__all__"
    return "site_id" if name == "targets" else name


def _normal(errors: dict[str, str], lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    w = plan_texts.words(lang)
    for key, message in errors.items():
        name = _field_of(key)
        for english, word in plan_texts.VALUE_ERRORS.items():
            if english in message:
                name, message = "month", w[word]
        out.setdefault(name, message)
    return out


@contextmanager
def _attempt(session: Session, shown: Shown, *, lang: str) -> Iterator[None]:
    """Run a change in a savepoint; keep its validation or domain error for the page."""
    try:
        with session.begin_nested():
            yield
    except ValidationError as exc:
        shown.errors, shown.status = _normal(pydantic_errors(exc, lang=lang), lang), 422
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        shown.errors = _normal(domain_errors(exc, lang=lang), lang)
        shown.status = exc.status_code


def _units(session: Session, user: Principal) -> list[tuple[str, str, str]]:
    """Return (code, label, level) of the province and communes a plan may name."""
    found = units_of(
        session,
        scheme=current_scheme(session).key,
        levels=(UnitLevel.PROVINCE, UnitLevel.COMMUNE),
        provinces=provinces_with_sites(session),
    )
    return [(u.code, f"{u.name} ({u.code})", str(u.level)) for u in found if user.covers(u.path)]


@dataclass(frozen=True)
class Ctx:
    """What every plan page needs from its request."""

    request: Request
    session: Session
    settings: Settings
    user: Principal
    today: date

    @property
    def lang(self) -> str:
        """Return the page language."""
        return lang_of(self.request)


def page_ctx(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser, today: TodayDep
) -> Ctx:
    """Bundle the request, its session, the settings, the logged-in user and today."""
    return Ctx(request, session, settings, user, today)


CtxDep = Annotated[Ctx, Depends(page_ctx)]


def _list(c: Ctx, *, year: int | None, shown: Shown) -> HTMLResponse:
    repo = PlanRepository(c.session)
    plans, total = repo.page(
        visible_paths=None if c.user.sees_everything else c.user.unit_paths,
        year=year,
        state=None,
        limit=200,
        offset=0,
    )
    progress = repo.progress([p.id for p in plans if p.id is not None])
    items = [
        views.plan_public(
            c.session, p, settings=c.settings, progress=progress.get(p.id or 0, (0, 0))
        )
        for p in plans
    ]
    admin = c.user.role is Role.ADMIN
    units = _units(c.session, c.user) if admin else []
    province = next((code for code, _, level in units if level == "province"), None)
    shown.values.setdefault("issuer_unit_code", province)
    return render(
        c.request,
        "plans.html.j2",
        user=c.user,
        w=_words(c.lang),
        items=items,
        total=total,
        year=year,
        kinds=KINDS,
        units=units,
        may_create=admin,
        shown=shown,
        status_code=shown.status,
    )


@router.get("", response_class=HTMLResponse)
def plans(c: CtxDep, year: Year = None) -> HTMLResponse:
    """List the plans the user may read, and (administrators) the form to draft one."""
    values = {"year": c.today.year, "site_kinds": ["market", "fuel_station"], "unit_codes": []}
    return _list(c, year=year, shown=Shown("create", values))


@router.post("", response_class=HTMLResponse)
def create(c: CtxDep, form: FormDep, posted: PostedDep) -> Response:
    """Create a draft plan through inspection_plans.service; go to its page."""
    values = clean(form, [*TEXTS, *LONG])
    values["unit_codes"] = [code for code in posted.get("unit_codes", []) if code.strip()]
    values["site_kinds"] = posted.get("site_kinds", [])
    shown = Shown("create", values)
    with _attempt(c.session, shown, lang=c.lang):
        data = PlanCreate.model_validate({k: v for k, v in values.items() if v is not None})
        plan = service.create_plan(c.session, c.user, data)
        return RedirectResponse(f"/web/plans/{plan.id}?done=created", status_code=303)
    return _list(c, year=None, shown=shown)


@dataclass(frozen=True)
class Row:
    """A target as the plan page shows it."""

    t: TargetPublic
    when: str
    may_open: bool


def _when(first: date, last: date, lang: str) -> str:
    text = rules.window_text(first, last)
    return text.replace("Tháng ", "Month ") if lang == "en" else text


def _sites(session: Session, plan: InspectionPlan) -> list[tuple[int, str]]:
    """Return the sites in use a draft may plan: in its units, of a kind it covers."""
    paths = tuple(u.path for u in PlanRepository(session).units(plan.id or 0))
    rows, _ = SiteRepository(session).page(
        params=PageParams(limit=1000), kind=None, unit_path=None, paths=paths
    )
    found = [
        (site.id or 0, f"{site.name} ({unit.name})")
        for site, unit in rows
        if site.retired_at is None and str(site.kind) in plan.site_kinds
    ]
    return sorted(found, key=lambda s: s[1])


def _orphan(shown: Shown, rows: list[Row], *, editable: bool) -> list[str]:
    """Return the messages of a form the page does not show (say, the plan is approved now)."""
    if shown.form == "open":
        shows = any(r.may_open and r.t.id == shown.target_id for r in rows)
    else:
        shows = editable and shown.target_id is None
    return [] if shows else list(shown.errors.values())


def _plan_page(c: Ctx, plan: InspectionPlan, shown: Shown) -> HTMLResponse:
    detail = views.plan_detail(c.session, plan, settings=c.settings)
    paths = {t.id: unit.path for t, _, unit in PlanRepository(c.session).targets(plan.id or 0)}
    approved = plan.state is PlanState.APPROVED
    opener = c.user.role is not Role.VIEWER
    rows = [
        Row(t, _when(t.window_from, t.window_to, c.lang),
            approved and opener and t.inspection_id is None and c.user.covers(paths[t.id]))
        for t in detail.targets
    ]  # fmt: skip
    editable = c.user.role is Role.ADMIN and not approved
    return render(
        c.request,
        "plan.html.j2",
        user=c.user,
        w=_words(c.lang),
        p=detail,
        rows=rows,
        editable=editable,
        sites=_sites(c.session, plan) if editable else [],
        planned={t.site_id for t in detail.targets},
        today=c.today.isoformat(),
        done=DONE.get(c.request.query_params.get("done") or ""),
        orphan=_orphan(shown, rows, editable=editable),
        # A target's refused removal or opening is said at the target, else at the top.
        orphan_at=shown.target_id if shown.target_id in paths else None,
        shown=shown,
        status_code=shown.status,
    )


@router.get("/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: int, c: CtxDep) -> HTMLResponse:
    """Show a plan: scope, content, approval, targets and the inspections opened from them."""
    return _plan_page(c, service.get_plan(c.session, c.user, plan_id), Shown())


@router.post("/{plan_id}/targets", response_class=HTMLResponse)
def add_targets(plan_id: int, c: CtxDep, form: FormDep, posted: PostedDep) -> Response:
    """Add the chosen sites, each for the same month or window, with targets.add_targets."""
    plan = service.get_plan(c.session, c.user, plan_id)
    values = clean(form, ["month", "window_from", "window_to", "note"])
    values["site_id"] = posted.get("site_id", [])
    shown = Shown("targets", values)
    with _attempt(c.session, shown, lang=c.lang):
        when = {k: values[k] for k in ("month", "window_from", "window_to") if values[k]}
        items = [{"site_id": s, **when, "note": values["note"] or ""} for s in values["site_id"]]
        data = TargetsAdd.model_validate({"targets": items})
        targets.add_targets(c.session, c.user, plan_id, data.targets)
        return RedirectResponse(f"/web/plans/{plan_id}?done=added#targets", status_code=303)
    return _plan_page(c, plan, shown)


@router.post("/{plan_id}/targets/{target_id}/remove", response_class=HTMLResponse)
def remove_target(plan_id: int, target_id: int, c: CtxDep, form: FormDep) -> Response:
    """Remove a target from a draft plan with targets.remove_target."""
    del form  # checked for its CSRF token
    plan = service.get_plan(c.session, c.user, plan_id)
    shown = Shown("targets", target_id=target_id)
    with _attempt(c.session, shown, lang=c.lang):
        targets.remove_target(c.session, c.user, plan_id, target_id)
        return RedirectResponse(f"/web/plans/{plan_id}?done=removed#targets", status_code=303)
    return _plan_page(c, plan, shown)


@router.post("/{plan_id}/approve", response_class=HTMLResponse)
def approve(plan_id: int, c: CtxDep, form: FormDep) -> Response:
    """Approve a draft plan with service.approve_plan: its number from the register (KH)."""
    plan = service.get_plan(c.session, c.user, plan_id)
    values = clean(form, ["approved_on", "signer_authority", "signer_position", "signer_name"])
    shown = Shown("approve", values)
    with _attempt(c.session, shown, lang=c.lang):
        data = PlanApprove.model_validate({k: v for k, v in values.items() if v is not None})
        service.approve_plan(c.session, c.user, plan_id, data, today=c.today, settings=c.settings)
        return RedirectResponse(f"/web/plans/{plan_id}?done=approved", status_code=303)
    return _plan_page(c, plan, shown)


@router.post("/{plan_id}/targets/{target_id}/inspection", response_class=HTMLResponse)
def open_inspection(plan_id: int, target_id: int, c: CtxDep, form: FormDep) -> Response:
    """Open the inspection of an approved plan's target with opening.open_inspection."""
    plan = service.get_plan(c.session, c.user, plan_id)
    values = clean(form, ["inspector", "inspected_on", "note"])
    shown = Shown("open", values, target_id=target_id)
    with _attempt(c.session, shown, lang=c.lang):
        data = InspectionOpen.model_validate({k: v for k, v in values.items() if v is not None})
        opened, _ = opening.open_inspection(
            c.session, c.user, plan_id, target_id, data, today=c.today
        )
        return RedirectResponse(f"/web/inspections/{opened}", status_code=303)
    return _plan_page(c, plan, shown)


@router.get("/{plan_id}/plan.pdf")
def plan_pdf(plan_id: int, session: SessionDep, settings: SettingsDep, user: PageUser) -> Response:
    """The same PDF as GET /api/v1/inspection-plans/{id}/plan.pdf, for the logged-in browser."""
    plan = service.get_plan(session, user, plan_id)
    return Response(
        content=views.printed_plan(session, plan, settings=settings),
        media_type="application/pdf",
        headers={
            **disposition_headers(views.pdf_name(plan), kind="inline"),
            "Cache-Control": "no-store",
        },
    )
