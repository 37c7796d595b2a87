"""The dashboard: what needs action, by commune (province totals) and type; control scales;
shortfalls; and a historical view of instruments by the former districts on a day."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from metrology_svc.auth.service import unread_messages
from metrology_svc.core.clock import utcnow
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.readings.check_queries import latest_indications_within
from metrology_svc.readings.judgement import RuleInfo, check_public, rule_infos
from metrology_svc.readings.models import Reading
from metrology_svc.readings.schemas import CheckPublic
from metrology_svc.sites.models import Site
from metrology_svc.web.charts import Series, stacked_bars
from metrology_svc.web.dashboard import (
    ACTION_STATUSES,
    DAY_COLUMNS,
    LAST_DISTRICT_DAY,
    UnitRow,
    by_district_on,
    scope_of,
    summarise,
)
from metrology_svc.web.deps import PageUser
from metrology_svc.web.i18n import lang_of, words
from metrology_svc.web.render import render

router = APIRouter(prefix="/web", include_in_schema=False)
COLOURS = {
    "overdue": "#b3261e",
    "failed": "#7a1710",
    "due": "#c77700",
    "suspended": "#5f6368",
    "due_soon": "#c77700",
    "never": "#5f6368",
}
LATEST = 10

# The check, its market's id and name, and the rule that judged it.
Judged = list[tuple[CheckPublic, int, str, RuleInfo | None]]


def _judged(session: Session, shortfalls: list[Reading], deviations: list[Reading]) -> Judged:
    """Return the checks as the API shows them (shortfall or deviation), by market and rule."""
    readings = shortfalls + deviations
    infos = rule_infos(session, (r.shortfall_rule_id for r in readings))
    ids = sorted({r.site_id for r in readings})
    names = dict(session.exec(select(Site.id, Site.name).where(col(Site.id).in_(ids))).all())
    return [
        (
            check_public(r, infos),
            r.site_id,
            names.get(r.site_id, "?"),
            infos.get(r.shortfall_rule_id or 0),
        )
        for r in readings
    ]


def _chart_rows(rows: list[UnitRow]) -> list[tuple[str, dict[str, int]]]:
    """Return the bars: the units, not the province totals (unless there is nothing else)."""
    units = [(r.name, r.counts) for r in rows if r.level != "province"]
    return units or [(r.name, r.counts) for r in rows]


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    view: Literal["communes", "districts"] = "communes",
    as_of: Annotated[date | None, Query(description="Day of the view by former districts")] = None,
) -> HTMLResponse:
    """Show due, overdue, failed and suspended counts by commune (with province totals) and
    by type, control scales and shortfall evidence; with view=districts, the instruments in
    use on a day (as_of, default 30/06/2025) by the former district their site lay in then.

    Shortfalls (under a binding table: evidence) and deviations (under a reference table: never
    evidence) are listed apart, each check with the rule that judged it.
    """
    lang = lang_of(request)
    t = words(lang)
    summary = summarise(
        session, user, lang=lang, now=utcnow(), offline_minutes=settings.device_offline_minutes
    )
    day = as_of or LAST_DISTRICT_DAY
    if view == "districts":
        rows = by_district_on(
            session,
            user,
            as_of=day,
            due_soon_days=settings.due_soon_days,
            no_district=t["no_district"],
        )
        columns: tuple[str, ...] = DAY_COLUMNS
        title = t["chart_title_districts"]
    else:
        rows, columns, title = summary.by_unit, ACTION_STATUSES, t["chart_title"]
    series = [Series(s, t["st_" + s], COLOURS[s]) for s in columns]
    chart = stacked_bars(_chart_rows(rows), series, title=title)
    online = sum(1 for d in summary.devices if d.state == "online")
    shortfalls = [r for r, _site in summary.shortfalls]
    deviations = latest_indications_within(session, scope_of(user), limit=LATEST)
    judged = _judged(session, shortfalls, deviations)
    return render(
        request,
        "dashboard.html.j2",
        user=user,
        summary=summary,
        statuses=ACTION_STATUSES,
        view=view,
        as_of=day,
        rows=rows,
        columns=columns,
        chart=chart,
        online=online,
        offline=len(summary.devices) - online,
        shortfalls=judged[: len(shortfalls)],
        deviations=judged[len(shortfalls) :],
        messages=unread_messages(session, user.user_id),  # e.g. a scope moved by rehoming
    )
