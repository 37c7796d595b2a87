"""What the dashboard shows: counts by district and type, control scales, shortfall evidence."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from metrology_svc.auth.principal import Principal
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.repository import (
    InstrumentFilter,
    count_by_type_and_status,
    count_by_unit_path_and_status,
)
from metrology_svc.readings import rules as reading_rules
from metrology_svc.readings.models import Device, Reading
from metrology_svc.readings.repository import devices_within, latest_shortfalls_within
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit

ACTION_STATUSES = ("due", "overdue", "failed", "suspended")


@dataclass
class DeviceRow:
    """A control scale and whether it is heard."""

    device: Device
    site: str
    state: str  # online | offline | never (never heard)
    silent_minutes: float | None


@dataclass
class Summary:
    """Everything on the dashboard."""

    totals: dict[str, int]
    by_district: list[tuple[str, dict[str, int]]]
    by_type: list[tuple[str, dict[str, int]]]
    devices: list[DeviceRow] = field(default_factory=list)
    shortfalls: list[tuple[Reading, str]] = field(default_factory=list)


def scope_of(user: Principal) -> tuple[str, ...] | None:
    """Return the unit paths the user reads (None: every unit)."""
    return None if user.sees_everything else user.unit_paths


def _district_path(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:2]) + "/"


def _unit_names(session: Session, paths: set[str]) -> dict[str, str]:
    stmt = select(AdminUnit.path, AdminUnit.name).where(col(AdminUnit.path).in_(sorted(paths)))
    return {str(p): str(n) for p, n in session.exec(stmt)}


def _site_names(session: Session, ids: set[int]) -> dict[int, str]:
    stmt = select(Site.id, Site.name).where(col(Site.id).in_(sorted(ids)))
    return {int(i or 0): str(n) for i, n in session.exec(stmt)}


def summarise(
    session: Session, user: Principal, *, lang: str, now: datetime, offline_minutes: int
) -> Summary:
    """Count the user's instruments by district and type, and list scales and shortfalls."""
    paths = scope_of(user)
    flt = InstrumentFilter(visible_paths=paths)
    districts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for path, status, n in count_by_unit_path_and_status(session, flt):
        districts[_district_path(path)][status] += n
        districts[_district_path(path)]["total"] += n
        totals[status] += n
        totals["total"] += n
    names = _unit_names(session, set(districts))
    by_district = sorted(
        ((names.get(p, p), dict(c)) for p, c in districts.items()), key=lambda r: r[0]
    )
    types = {
        t.code: (t.name_vi if lang == "vi" else t.name_en) for t in TypeRepository(session).all()
    }
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, status, n in count_by_type_and_status(session, flt):
        kinds[code][status] += n
        kinds[code]["total"] += n
    by_type = sorted(((types.get(c, c), dict(v)) for c, v in kinds.items()), key=lambda r: r[0])
    devices = devices_within(session, paths)
    shortfalls = latest_shortfalls_within(session, paths, limit=10)
    sites = _site_names(session, {d.site_id for d in devices} | {r.site_id for r in shortfalls})
    rows = []
    for d in devices:
        quiet = reading_rules.silent_minutes(last_received_at=d.last_received_at, now=now)
        # The same judgement as the devices API: flagged offline, or silent too long.
        offline = d.offline or (quiet is not None and quiet > offline_minutes)
        state = "offline" if offline else "never" if quiet is None else "online"
        rows.append(DeviceRow(d, sites.get(d.site_id, "?"), state, quiet))
    return Summary(
        totals=dict(totals),
        by_district=by_district,
        by_type=by_type,
        devices=rows,
        shortfalls=[(r, sites.get(r.site_id, "?")) for r in shortfalls],
    )
