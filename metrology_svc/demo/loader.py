"""Record the demo plan through the real services (the caller owns the unit of work and commits)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate
from metrology_svc.core.clock import utcnow
from metrology_svc.demo import places, readings_loader
from metrology_svc.demo.accounts import DemoLogin, create_login, owner_account, staff_accounts
from metrology_svc.demo.history import TypeInfo
from metrology_svc.demo.plan import DemoPlan, InstrumentPlan, build_plan
from metrology_svc.demo.readings_plan import (
    ReadingsPlan,
    build_readings_plan,
    market_scales,
    readings_end,
)
from metrology_svc.demo.traffic import DEVICE_PREFIX, VIETNAM
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.repository import InstrumentFilter, InstrumentRepository
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import change_status, create_instrument
from metrology_svc.owners.service import create_owner
from metrology_svc.readings import rules as reading_rules
from metrology_svc.settings import Settings
from metrology_svc.sites.service import create_site
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.standards.repository import StandardRepository
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.service import create_unit, current_scheme
from metrology_svc.verifications.models import Verification
from metrology_svc.verifications.service import record_verification

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

ProgressFn = Callable[[int, int], None]
VERIFIED_AT = time(9)  # local time an office records a verification on its date


@dataclass
class DemoResult:
    """What the demo created: the accounts (passwords and tokens shown once) and counts."""

    logins: list[DemoLogin] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # login key → API token
    units: int = 0
    sites: int = 0
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


def _staff(session: Session, result: DemoResult) -> Principal:
    for account in staff_accounts():
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


def _registry(session: Session, plan: DemoPlan, result: DemoResult) -> None:
    units = UnitRepository(session)
    for unit in plan.units:
        # Units are shared reference data: reuse the ones an office already entered.
        if units.by_code(unit.code, unit.scheme or current_scheme(session).key) is None:
            create_unit(session, unit)
            result.units += 1
    standards = StandardRepository(session)
    for standard in plan.standards:
        if not standards.by_codes([standard.code]):
            standards.add(ReferenceStandard.model_validate(standard))


def _instrument(
    session: Session,
    admin: Principal,
    data: InstrumentCreate,
    item: InstrumentPlan,
    *,
    settings: Settings,
    today: date,
) -> int:
    instrument = create_instrument(session, admin, data)
    assert instrument.id is not None
    for record in item.history:
        done = record_verification(
            session, admin, instrument.id, record, settings=settings, today=today
        )
        # Recorded on the day of the verification, not when the demo is loaded: a control
        # scale's trust after a failed self-check returns only with a verification made later.
        row = session.get(Verification, done.id)
        if row is not None:
            row.created_at = datetime.combine(record.verified_on, VERIFIED_AT, VIETNAM)
    if item.action is not None:
        change_status(
            session,
            admin,
            instrument.id,
            item.action,
            today=today,
            due_soon_days=settings.due_soon_days,
        )
    return instrument.id


def _instruments(
    session: Session,
    admin: Principal,
    plan: DemoPlan,
    *,
    ids: tuple[Mapping[str, int | None], Sequence[int | None]],
    settings: Settings,
    today: date,
    progress: ProgressFn | None,
) -> dict[str, int]:
    site_ids, owner_ids = ids
    controls: dict[str, int] = {}
    total = len(plan.instruments)
    for done, item in enumerate(plan.instruments, 1):
        data = InstrumentCreate.model_validate(
            {**item.fields, "site_id": site_ids[item.site], "owner_id": owner_ids[item.owner]}
        )
        instrument_id = _instrument(session, admin, data, item, settings=settings, today=today)
        if item.fields["role"] is InstrumentRole.CONTROL:
            controls[item.site] = instrument_id
        if progress is not None:
            progress(done, total)
    return controls


def _readings(
    session: Session, admin: Principal, readings: ReadingsPlan, controls: dict[str, int], *,
    settings: Settings,
) -> readings_loader.ReadingCounts:  # fmt: skip
    readings_loader.register_devices(session, readings, control_ids=controls)
    return readings_loader.record_readings(session, readings, settings=settings, admin=admin)


def load_plan(
    session: Session,
    plan: DemoPlan,
    *,
    settings: Settings,
    today: date,
    readings: ReadingsPlan | None = None,
    progress: ProgressFn | None = None,
) -> DemoResult:
    """Create accounts, registry, instruments with their histories, and readings; no commit."""
    result = DemoResult()
    _registry(session, plan, result)
    admin = _staff(session, result)
    site_ids = {site.name: create_site(session, admin, site).id for site in plan.sites}
    owner_ids = [create_owner(session, admin, owner).id for owner in plan.owners]
    result.sites, result.owners = len(site_ids), len(owner_ids)
    controls = _instruments(
        session,
        admin,
        plan,
        ids=(site_ids, owner_ids),
        settings=settings,
        today=today,
        progress=progress,
    )
    result.instruments = len(plan.instruments)
    result.verifications = sum(len(item.history) for item in plan.instruments)
    # Statuses were set as each verification was recorded; settle them all at `today` at once.
    InstrumentRepository(session).refresh_statuses(
        today=today, due_soon_days=settings.due_soon_days
    )
    if readings is not None:  # the owner's account goes to a seller at a connected market
        _owner_login(session, plan, readings, [i or 0 for i in owner_ids], result)
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
    plan = build_plan(
        seed=seed,
        instruments=instruments,
        today=today,
        types=type_infos(session),
        due_soon_days=settings.due_soon_days,
        dispenser_mpe_percent=settings.dispenser_mpe_percent,
    )
    readings = plan_readings(plan, seed=seed, settings=settings, today=today, now=now or utcnow())
    return load_plan(
        session, plan, settings=settings, today=today, readings=readings, progress=progress
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
