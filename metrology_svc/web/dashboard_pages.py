"""The dashboard: what needs action, by district and type; control scales; shortfalls."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from metrology_svc.core.clock import utcnow
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.web.charts import Series, stacked_bars
from metrology_svc.web.dashboard import ACTION_STATUSES, summarise
from metrology_svc.web.deps import PageUser
from metrology_svc.web.i18n import lang_of, words
from metrology_svc.web.render import render

router = APIRouter(prefix="/web", include_in_schema=False)
COLOURS = {"overdue": "#b3261e", "failed": "#7a1710", "due": "#c77700", "suspended": "#5f6368"}


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> HTMLResponse:
    """Show due, overdue, failed and suspended counts, control scales and shortfall evidence."""
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
    return render(
        request,
        "dashboard.html.j2",
        user=user,
        summary=summary,
        statuses=ACTION_STATUSES,
        chart=chart,
        online=online,
        offline=len(summary.devices) - online,
    )
