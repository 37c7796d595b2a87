"""The dashboard: what needs action, by district and type; control scales; shortfalls."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from metrology_svc.core.clock import utcnow
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.readings.check_queries import latest_indications_within
from metrology_svc.readings.judgement import RuleInfo, check_public, rule_infos
from metrology_svc.readings.models import Reading
from metrology_svc.readings.schemas import CheckPublic
from metrology_svc.sites.models import Site
from metrology_svc.web.charts import Series, stacked_bars
from metrology_svc.web.dashboard import ACTION_STATUSES, scope_of, summarise
from metrology_svc.web.deps import PageUser
from metrology_svc.web.i18n import lang_of, words
from metrology_svc.web.render import render

router = APIRouter(prefix="/web", include_in_schema=False)
COLOURS = {"overdue": "#b3261e", "failed": "#7a1710", "due": "#c77700", "suspended": "#5f6368"}
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


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> HTMLResponse:
    """Show due, overdue, failed and suspended counts, control scales and shortfall evidence.

    Shortfalls (under a binding table: evidence) and deviations (under a reference table: never
    evidence) are listed apart, each check with the rule that judged it.
    """
    lang = lang_of(request)
    t = words(lang)
    summary = summarise(
        session, user, lang=lang, now=utcnow(), offline_minutes=settings.device_offline_minutes
    )
    series = [
        Series(s, t["st_" + s], COLOURS[s]) for s in ("overdue", "failed", "due", "suspended")
    ]
    chart = stacked_bars(summary.by_district, series, title=t["chart_title"])
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
        chart=chart,
        online=online,
        offline=len(summary.devices) - online,
        shortfalls=judged[: len(shortfalls)],
        deviations=judged[len(shortfalls) :],
    )
