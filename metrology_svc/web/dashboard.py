"""What the dashboard shows: counts by commune (with province totals) and type, control scales,
shortfall evidence; and, as a historical view, instruments by the former districts on a day."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from metrology_svc.auth.principal import Principal
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.readings import rules as reading_rules
from metrology_svc.readings.models import Device, Reading
from metrology_svc.readings.repository import devices_within, latest_shortfalls_within
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.web.queries import (
    count_by_type_and_state,
    count_by_unit_path_and_state,
    instruments_on_day,
)

ACTION_STATUSES = ("due", "overdue", "failed", "suspended")
# Columns of the historical view: instruments in use on the day and their due state then.
DAY_COLUMNS = ("overdue", "due_soon", "never")
# The last day of the districts (three-tier list until 30/06/2025): the historical view's default.
LAST_DISTRICT_DAY = date(2025, 6, 30)
NO_DISTRICT = ""  # the key of sites in no district that day (e.g. registered in a 2025 commune)


@dataclass
class DeviceRow:
    """A control scale and whether it is heard."""

    device: Device
    site: str
    state: str  # online | offline | never (never heard)
    silent_minutes: float | None


@dataclass
class UnitRow:
    """A line of the table by unit: a province (its total), or a unit in it."""

    name: str
    counts: dict[str, int]
    level: str  # province | commune | district | none
    former: bool = False  # a unit that no longer exists (shown as history)


@dataclass
class Summary:
    """Everything on the dashboard."""

    totals: dict[str, int]
    by_unit: list[UnitRow]
    by_type: list[tuple[str, dict[str, int]]]
    devices: list[DeviceRow] = field(default_factory=list)
    shortfalls: list[tuple[Reading, str]] = field(default_factory=list)


def scope_of(user: Principal) -> tuple[str, ...] | None:
    """Return the unit paths the user reads (None: every unit)."""
    return None if user.sees_everything else user.unit_paths


def _province_path(path: str) -> str:
    return path.split("/", 1)[0] + "/"


def _units_by_path(session: Session, paths: set[str]) -> dict[str, AdminUnit]:
    """Return units by path; a province's path is shared by its lists: the newest is kept."""
    stmt = select(AdminUnit).where(col(AdminUnit.path).in_(sorted(paths)))
    found: dict[str, AdminUnit] = {}
    for unit in session.exec(stmt.order_by(col(AdminUnit.scheme))):
        found[unit.path] = unit
    return found


def _former(unit: AdminUnit | None, today: date) -> bool:
    return unit is not None and unit.valid_to is not None and unit.valid_to <= today


def _grouped(
    groups: dict[str, dict[str, dict[str, int]]],
    names: dict[str, str],
    levels: dict[str, tuple[str, bool]],
) -> list[UnitRow]:
    """Return province rows (totals of their units), each followed by its units by name."""
    rows: list[UnitRow] = []
    for province in sorted(groups, key=lambda p: names.get(p, p)):
        units = groups[province]
        total: dict[str, int] = defaultdict(int)
        for counts in units.values():
            for key, n in counts.items():
                total[key] += n
        rows.append(UnitRow(names.get(province, province), dict(total), "province"))
        for key in sorted(units, key=lambda k: (k == NO_DISTRICT, names.get(k, k))):
            level, former = levels.get(key, ("none", False))
            rows.append(UnitRow(names.get(key, key), dict(units[key]), level, former))
    return rows


def _by_commune(
    session: Session, counts: Iterable[tuple[str, str, int]], today: date
) -> tuple[list[UnitRow], dict[str, int]]:
    """Group (site unit path, status, count) by the site's unit now, under its province."""
    groups: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    totals: dict[str, int] = defaultdict(int)
    for path, status, n in counts:
        unit_counts = groups[_province_path(path)][path]
        unit_counts[status] += n
        unit_counts["total"] += n
        totals[status] += n
        totals["total"] += n
    paths = set(groups) | {p for units in groups.values() for p in units}
    units = _units_by_path(session, paths)
    names = {p: u.name for p, u in units.items()}
    levels = {p: (str(u.level), _former(u, today)) for p, u in units.items()}
    return _grouped(groups, names, levels), dict(totals)


def by_district_on(
    session: Session, user: Principal, *, as_of: date, due_soon_days: int, no_district: str
) -> list[UnitRow]:
    """Return instruments in use on a day by the former district their site lay in that day
    (through the sites' moves), under their province; sites in no district that day apart."""
    found = instruments_on_day(session, scope_of(user), as_of=as_of, due_soon_days=due_soon_days)
    repo = UnitRepository(session)
    units = repo.by_ids([unit_id for unit_id, *_ in found])
    parents = repo.by_ids([u.parent_id for u in units.values() if u.parent_id])
    groups: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    names: dict[str, str] = {}
    for unit_id, n, overdue, due_soon, never in found:
        unit = units[unit_id]
        parent = parents.get(unit.parent_id or 0)
        if unit.level == UnitLevel.DISTRICT:
            district: AdminUnit | None = unit
        elif parent is not None and parent.level == UnitLevel.DISTRICT:
            district = parent
        else:
            district = None
        key = district.path if district else NO_DISTRICT
        names[key] = district.name if district else no_district
        counts = groups[_province_path(unit.path)][key]
        for column, value in zip(
            ("total", *DAY_COLUMNS), (n, overdue, due_soon, never), strict=True
        ):
            counts[column] += value
    provinces = _units_by_path(session, set(groups))
    names.update({p: u.name for p, u in provinces.items()})
    levels = {k: ("district", True) for k in names if k != NO_DISTRICT and k not in provinces}
    return _grouped(groups, names, levels)


def _site_names(session: Session, ids: set[int]) -> dict[int, str]:
    stmt = select(Site.id, Site.name).where(col(Site.id).in_(sorted(ids)))
    return {int(i or 0): str(n) for i, n in session.exec(stmt)}


# The due-soon window when the page does not say (the settings' default).
DUE_SOON_DAYS: int = Settings.model_fields["due_soon_days"].default


def summarise(
    session: Session,
    user: Principal,
    *,
    lang: str,
    now: datetime,
    offline_minutes: int,
    due_soon_days: int = DUE_SOON_DAYS,
) -> Summary:
    """Count the user's instruments by commune and type, and list scales and shortfalls.

    The counts are by state today as the report defines it (reports.states.state_on): the
    same "overdue" (failed and suspended apart) as the yearly report's for the same day.
    """
    paths = scope_of(user)
    today = now.date()
    counts = count_by_unit_path_and_state(session, paths, today=today, due_soon_days=due_soon_days)
    by_unit, totals = _by_commune(session, counts, today)
    types = {
        t.code: (t.name_vi if lang == "vi" else t.name_en) for t in TypeRepository(session).all()
    }
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, status, n in count_by_type_and_state(
        session, paths, today=today, due_soon_days=due_soon_days
    ):
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
        totals=totals,
        by_unit=by_unit,
        by_type=by_type,
        devices=rows,
        shortfalls=[(r, sites.get(r.site_id, "?")) for r in shortfalls],
    )
