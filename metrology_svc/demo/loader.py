"""Record the demo plan through the real services (the caller owns the unit of work and commits)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import create_user
from metrology_svc.demo import places
from metrology_svc.demo.history import TypeInfo
from metrology_svc.demo.plan import DemoPlan, InstrumentPlan, build_plan
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.repository import InstrumentFilter, InstrumentRepository
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import change_status, create_instrument
from metrology_svc.owners.service import create_owner
from metrology_svc.settings import Settings
from metrology_svc.sites.service import create_site
from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.standards.repository import StandardRepository
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.service import create_unit
from metrology_svc.verifications.service import record_verification

ProgressFn = Callable[[int, int], None]

# The demo's accounts; `.example` is a reserved domain, so no notice can reach a real inbox.
DEMO_USERS = [
    ("admin", "Quản trị Chi cục TĐC Hà Tĩnh", "admin@tdc-hatinh.example", Role.ADMIN),
    ("inspector", "Trần Văn Hùng", "hung.tv@kyanh.example", Role.INSPECTOR),
    ("viewer", "Phòng Kinh tế thành phố Hà Tĩnh", "phongkinhte@hatinh.example", Role.VIEWER),
]


@dataclass
class DemoResult:
    """What the demo created: tokens by role (shown once) and instrument counts."""

    tokens: dict[str, str] = field(default_factory=dict)
    units: int = 0
    sites: int = 0
    owners: int = 0
    instruments: int = 0
    verifications: int = 0


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


def _users(session: Session, result: DemoResult) -> Principal:
    admin: Principal | None = None
    for key, name, email, role in DEMO_USERS:
        codes = [places.INSPECTOR_DISTRICT] if role is Role.INSPECTOR else []
        issued = create_user(session, name=name, email=email, role=role, unit_codes=codes)
        result.tokens[key] = issued.token
        if role is Role.ADMIN:
            assert issued.user.id is not None
            admin = Principal(user_id=issued.user.id, name=name, role=Role.ADMIN)
    assert admin is not None
    return admin


def _registry(session: Session, plan: DemoPlan, result: DemoResult) -> None:
    units = UnitRepository(session)
    for unit in plan.units:
        # Units are shared reference data: reuse the ones an office already entered.
        if units.by_code(unit.code) is None:
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
) -> None:
    instrument = create_instrument(session, admin, data)
    assert instrument.id is not None
    for record in item.history:
        record_verification(session, admin, instrument.id, record, settings=settings, today=today)
    if item.action is not None:
        change_status(
            session,
            admin,
            instrument.id,
            item.action,
            today=today,
            due_soon_days=settings.due_soon_days,
        )


def load_plan(
    session: Session,
    plan: DemoPlan,
    *,
    settings: Settings,
    today: date,
    progress: ProgressFn | None = None,
) -> DemoResult:
    """Create users, registry and instruments with their histories; the caller commits."""
    result = DemoResult()
    _registry(session, plan, result)
    admin = _users(session, result)
    site_ids = {site.name: create_site(session, admin, site).id for site in plan.sites}
    owner_ids = [create_owner(session, admin, owner).id for owner in plan.owners]
    result.sites, result.owners = len(site_ids), len(owner_ids)
    total = len(plan.instruments)
    for done, item in enumerate(plan.instruments, 1):
        data = InstrumentCreate.model_validate(
            {**item.fields, "site_id": site_ids[item.site], "owner_id": owner_ids[item.owner]}
        )
        _instrument(session, admin, data, item, settings=settings, today=today)
        result.verifications += len(item.history)
        if progress is not None:
            progress(done, total)
    result.instruments = total
    # Statuses were set as each verification was recorded; settle them all at `today` at once.
    InstrumentRepository(session).refresh_statuses(
        today=today, due_soon_days=settings.due_soon_days
    )
    return result


def generate(
    session: Session,
    *,
    settings: Settings,
    today: date,
    seed: int,
    instruments: int,
    progress: ProgressFn | None = None,
) -> DemoResult:
    """Plan the demo province for the seed and record it; the caller commits."""
    plan = build_plan(
        seed=seed,
        instruments=instruments,
        today=today,
        types=type_infos(session),
        due_soon_days=settings.due_soon_days,
        dispenser_mpe_percent=settings.dispenser_mpe_percent,
    )
    return load_plan(session, plan, settings=settings, today=today, progress=progress)


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
