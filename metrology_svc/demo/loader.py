"""Record the demo plan through the real services (the caller owns the unit of work and commits)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate
from metrology_svc.core.clock import utcnow
from metrology_svc.demo import places, readings_loader, registry
from metrology_svc.demo.accounts import DemoLogin, create_login, owner_account, staff_accounts
from metrology_svc.demo.history import TypeInfo
from metrology_svc.demo.plan import DemoPlan, build_plan
from metrology_svc.demo.readings_plan import (
    ReadingsPlan,
    build_readings_plan,
    market_scales,
    readings_end,
)
from metrology_svc.demo.reform import Units, load_units, reform
from metrology_svc.demo.registry import ProgressFn
from metrology_svc.demo.traffic import DEVICE_PREFIX
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.repository import InstrumentFilter, InstrumentRepository
from metrology_svc.owners.service import create_owner
from metrology_svc.readings import rules as reading_rules
from metrology_svc.settings import Settings
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.standards.repository import StandardRepository

__all__ = [
    "DemoLogin",
    "DemoResult",
    "ProgressFn",
    "generate",
    "instrument_count",
    "load_plan",
    "plan_readings",
    "summary",
    "type_infos",
]


@dataclass
class DemoResult:
    """What the demo created: the accounts (passwords and tokens shown once) and counts."""

    logins: list[DemoLogin] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # login key → API token
    units: int = 0  # units loaded for the demo: the province's 2004 list on a first run
    sites: int = 0
    sites_moved: int = 0  # on the reform day, whole into their new commune
    cases_decided: int = 0  # split communes: the provincial inspector decided
    cases_open: int = 0  # split communes: still waiting for review
    owners: int = 0
    instruments: int = 0
    verifications: int = 0
    devices: int = 0
    readings: int = 0
    consumer_checks: int = 0
    selfchecks: int = 0
    inspection_requests: int = 0
    shortfall_table_id: int | None = None  # the binding demo table (demo data, not a law)

    def add_login(self, login: DemoLogin) -> None:
        """Record an account and its token."""
        self.logins.append(login)
        self.tokens[login.key] = login.token


def type_infos(session: Session) -> dict[str, TypeInfo]:
    """Return the category, default class and cycles of every instrument type."""
    repo = TypeRepository(session)
    return {
        t.code: TypeInfo(
            category=TypeCategory(t.category),
            accuracy_class=t.default_accuracy_class,
            cycles=tuple(repo.cycle_rows(t.code)),
        )
        for t in repo.all()
    }


def _staff(session: Session, result: DemoResult, units: Units) -> Principal:
    for account in staff_accounts(units.names()):
        result.add_login(create_login(session, account))
    # The admin acts for the office from here on, as its own token would.
    return authenticate(session, result.tokens["admin"])


def _owner_login(
    session: Session,
    plan: DemoPlan,
    readings: ReadingsPlan,
    owner_ids: list[int],
    result: DemoResult,
) -> None:
    # A stall holder who sells honestly, at the commune inspector's market if it has one.
    scales = sorted(readings.scales, key=lambda s: s.market != places.INSPECTOR_MARKET)
    honest = (
        (scale, stall)
        for scale in scales
        for stall in scale.stalls
        if (scale.device_id, stall.ref) not in readings.short_sellers
    )
    found = next(honest, None)
    if found is None:
        return
    scale, stall = found
    account = owner_account(
        plan.owners[stall.owner],
        owner_id=owner_ids[stall.owner],
        market=scale.market,
        slug=scale.device_id.removeprefix(DEVICE_PREFIX),
    )
    result.add_login(create_login(session, account))


def _standards(session: Session, plan: DemoPlan) -> None:
    standards = StandardRepository(session)
    for standard in plan.standards:
        if not standards.by_codes([standard.code]):
            standards.add(ReferenceStandard.model_validate(standard))


def _readings(
    session: Session, admin: Principal, readings: ReadingsPlan, controls: dict[str, int], *,
    settings: Settings,
) -> readings_loader.ReadingCounts:  # fmt: skip
    readings_loader.register_devices(session, readings, control_ids=controls)
    return readings_loader.record_readings(session, readings, settings=settings, admin=admin)


def _reform_day(
    session: Session,
    plan: DemoPlan,
    result: DemoResult,
    *,
    units: Units,
    site_ids: Mapping[str, int],
    admin: Principal,
) -> None:
    inspector = authenticate(session, result.tokens["inspector_province"])
    done = reform(session, plan, units=units, site_ids=site_ids, admin=admin, inspector=inspector)
    result.sites_moved = len(done.moved)
    result.cases_decided, result.cases_open = len(done.decided), len(done.still_open)


def _instruments(
    rec: registry.Recorder,
    plan: DemoPlan,
    result: DemoResult,
    *,
    units: Units,
    ids: tuple[Mapping[str, int], Sequence[int | None]],
    progress: ProgressFn | None,
) -> list[int]:
    """Instruments and their records under the 2004 communes, the reform day, then under 2025."""
    old = {s.place.name: units.registered(s.place).id for s in plan.sites}
    instrument_ids = registry.create_instruments(rec, plan, ids=ids, units=old, progress=progress)
    now = old
    if rec.today >= plan.reform_on:
        _reform_day(rec.session, plan, result, units=units, site_ids=ids[0], admin=rec.admin)
        now = {s.place.name: units.now(s.place).id for s in plan.sites}
    registry.after_reform(rec, plan, instrument_ids=instrument_ids, units=now)
    return instrument_ids


def load_plan(
    session: Session,
    plan: DemoPlan,
    *,
    units: Units,
    settings: Settings,
    today: date,
    readings: ReadingsPlan | None = None,
    progress: ProgressFn | None = None,
) -> DemoResult:
    """Create accounts, sites, instruments with their histories across the reform, and readings.

    Records dated before the reform are made under the sites' 2004 communes; the province's
    sites are then rehomed on the reform day, and later records are made under the 2025
    communes. No commit.
    """
    result = DemoResult(units=units.added)
    _standards(session, plan)
    admin = _staff(session, result, units)
    site_ids = registry.register_sites(session, admin, plan, units)
    owner_ids = [create_owner(session, admin, owner).id for owner in plan.owners]
    result.sites, result.owners = len(site_ids), len(owner_ids)
    rec = registry.Recorder(session, admin, settings, today)
    ids = _instruments(rec, plan, result, units=units, ids=(site_ids, owner_ids), progress=progress)
    result.instruments = len(plan.instruments)
    result.verifications = sum(len(item.history) for item in plan.instruments)
    # Statuses were set as each verification was recorded; settle them all at `today` at once.
    InstrumentRepository(session).refresh_statuses(
        today=today, due_soon_days=settings.due_soon_days
    )
    if readings is not None:  # the owner's account goes to a seller at a connected market
        _owner_login(session, plan, readings, [i or 0 for i in owner_ids], result)
        controls = registry.control_scales(plan, ids)
        counts = _readings(session, admin, readings, controls, settings=settings)
        result.devices, result.readings = counts.devices, counts.readings
        result.consumer_checks, result.selfchecks = counts.consumer_checks, counts.selfchecks
        result.inspection_requests = counts.inspection_requests
        result.shortfall_table_id = counts.shortfall_table_id
    return result


def plan_readings(
    plan: DemoPlan, *, seed: int, settings: Settings, today: date, now: datetime
) -> ReadingsPlan:
    """Plan the month of control-scale traffic that ends at `today` (at `now` if that is today)."""
    table = settings.shortfall_table_path or reading_rules.DEFAULT_SHORTFALL_TABLE
    return build_readings_plan(
        seed=seed,
        scales=market_scales(plan),
        end=readings_end(today=today, now=now),
        bands=reading_rules.read_shortfall_table(table),
    )


def generate(
    session: Session,
    *,
    settings: Settings,
    today: date,
    seed: int,
    instruments: int,
    progress: ProgressFn | None = None,
    now: datetime | None = None,
) -> DemoResult:
    """Plan the demo province and its month of readings for the seed and record them; no commit."""
    units = load_units(session)
    plan = build_plan(
        seed=seed,
        instruments=instruments,
        today=today,
        types=type_infos(session),
        due_soon_days=settings.due_soon_days,
        dispenser_mpe_percent=settings.dispenser_mpe_percent,
        unit_names=units.names(),
        reform_on=units.reform_on,
    )
    readings = plan_readings(plan, seed=seed, settings=settings, today=today, now=now or utcnow())
    return load_plan(
        session,
        plan,
        units=units,
        settings=settings,
        today=today,
        readings=readings,
        progress=progress,
    )


def summary(session: Session) -> dict[str, dict[str, int]]:
    """Return instrument counts by type code and status."""
    repo = InstrumentRepository(session)
    counts = {
        t.code: repo.count_by_status(InstrumentFilter(type_code=t.code))
        for t in TypeRepository(session).all()
    }
    return {code: c for code, c in counts.items() if c}


def instrument_count(session: Session) -> int:
    """Return how many instruments the registry holds."""
    return sum(InstrumentRepository(session).count_by_status(InstrumentFilter()).values())
