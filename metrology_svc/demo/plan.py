"""The demo data set as a plan: pure, reproducible from a seed and a today, no database.

The loader then records the plan through the real services, so the judgements, due dates and
statuses come from the same code an office uses.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from metrology_svc.demo import catalogue, history, names, places
from metrology_svc.demo.history import Context, Target, TypeInfo
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instruments.models import InstrumentRole
from metrology_svc.instruments.schemas import StatusChange
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.owners.schemas import OwnerCreate
from metrology_svc.sites.models import SiteKind
from metrology_svc.standards.models import StandardBase
from metrology_svc.verifications.schemas import PointIn, VerificationCreate

DEFAULT_SEED = 42
DEFAULT_INSTRUMENTS = 300
TARGETS: tuple[Target, ...] = ("in_service", "due", "overdue", "failed", "registered")
TRADE_WEIGHTS = (58, 10, 14, 8, 10)
CONTROL_WEIGHTS = (80, 14, 6, 0, 0)  # the market board keeps its control scale in order
SERIAL_PREFIX = {
    "scale_spring_dial": "LX",
    "scale_counter": "CD",
    "fuel_dispenser": "CX",
    "lpg_dispenser": "LPG",
    "taximeter": "TX",
}


@dataclass(frozen=True)
class InstrumentPlan:
    """One instrument: where, whose, its fields, its verifications and a final status change."""

    site: str
    owner: int
    fields: dict[str, Any]
    target: Target
    history: tuple[VerificationCreate, ...]
    action: StatusChange | None = None


@dataclass(frozen=True, slots=True)
class SitePlan:
    """A site: its place (old and new commune) and its address today (None: case still open)."""

    kind: SiteKind
    place: places.Place
    address: str | None


@dataclass
class DemoPlan:
    """Everything the demo creates, in the order it is created.

    The units are not part of the plan: the sites name their communes by code in the loaded
    lists (2004 and 2025), and `reform_on` is the day the 2025 list came into force.
    """

    reform_on: date
    standards: list[StandardBase]
    sites: list[SitePlan]
    owners: list[OwnerCreate] = field(default_factory=list)
    instruments: list[InstrumentPlan] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Slot:
    type_code: str
    site: str
    owner: int
    role: InstrumentRole = InstrumentRole.TRADE
    model: int | None = None


def _address(place: places.Place, unit_names: Mapping[str, str]) -> str | None:
    if place.commune is None:
        return None
    return places.address_2025(place.street, place.commune, unit_names)


def _owner_address(place: places.Place, unit_names: Mapping[str, str]) -> str:
    # A site whose commune is not decided yet: the province is all its address can say.
    found = _address(place, unit_names)
    return found or places.address(place.street, unit_names[places.PROVINCE])


def _owner(plan: DemoPlan, data: OwnerCreate) -> int:
    plan.owners.append(data)
    return len(plan.owners) - 1


def _company(
    rng: random.Random,
    plan: DemoPlan,
    row: tuple[str, str, str | None, str | None, str],
    address: str,
) -> int:
    name, kind, tax, email, lang = row
    return _owner(
        plan,
        OwnerCreate(
            kind=OwnerKind(kind),
            name=name,
            tax_code=tax,
            email=email,
            language=Language(lang),
            phone=names.phone(rng),
            address=address,
        ),
    )


def _fixed_slots(rng: random.Random, plan: DemoPlan, unit_names: Mapping[str, str]) -> list[_Slot]:
    slots: list[_Slot] = []
    for market in places.MARKETS:
        board = (
            f"Ban Quản lý {market.name[0].lower()}{market.name[1:]}",
            "company",
            None,
            None,
            "vi",
        )
        owner = _company(rng, plan, board, f"{market.name}, {_owner_address(market, unit_names)}")
        slots.append(_Slot("scale_platform", market.name, owner, InstrumentRole.CONTROL, 0))
    companies = [
        _company(rng, plan, row, places.address_2025(street, commune, unit_names))
        for row, (street, commune) in zip(
            places.FUEL_COMPANIES, places.FUEL_COMPANY_OFFICES, strict=True
        )
    ]
    for station in places.STATIONS:
        owner = companies[station.company]
        slots += [_Slot("fuel_dispenser", station.name, owner) for _ in range(rng.randint(2, 5))]
    others = {
        key: _company(rng, plan, row, _owner_address(places.OTHER_SITES[key], unit_names))
        for key, row in places.OTHER_OWNERS.items()
    }
    for type_code, key, count in catalogue.OTHERS:
        site = places.OTHER_SITES[key].name
        slots += [_Slot(type_code, site, others[key], model=1 if key == "port" else None)] * count
    return slots


def _market_slots(
    rng: random.Random, plan: DemoPlan, count: int, unit_names: Mapping[str, str]
) -> list[_Slot]:
    weights = [m.weight for m in places.MARKETS]
    picks = rng.choices(range(len(places.MARKETS)), weights, k=count)
    slots: list[_Slot] = []
    for index, market in enumerate(places.MARKETS):
        where = _owner_address(market, unit_names)
        left = picks.count(index)
        stall = 0
        while left > 0:
            stall += 1
            type_code = "scale_spring_dial" if rng.random() < 0.65 else "scale_counter"
            who = names.person(rng, goods_of=type_code)
            owner = _owner(
                plan,
                OwnerCreate(
                    kind=OwnerKind.HOUSEHOLD,
                    name=who.full_name,
                    trade_name=who.trade_name,
                    phone=who.phone,
                    address=f"Sạp số {stall}, {market.name}, {where}",
                ),
            )
            n = min(left, rng.choice([1, 1, 1, 2, 2, 3]))
            slots += [_Slot(type_code, market.name, owner)] * n
            left -= n
    return slots


def _targets(rng: random.Random, slots: list[_Slot]) -> list[Target]:
    targets = [
        rng.choices(
            TARGETS, CONTROL_WEIGHTS if s.role is InstrumentRole.CONTROL else TRADE_WEIGHTS
        )[0]
        for s in slots
    ]
    # Every status must show up in the demo, whatever the draw: force it on spring scales.
    spring = [i for i, s in enumerate(slots) if s.type_code == "scale_spring_dial"]
    for wanted in ("due", "overdue", "failed", "registered"):
        spare = [i for i in spring if targets[i] == "in_service"]
        if wanted not in targets and spare:
            targets[spare[0]] = wanted
    return targets


def _fields(rng: random.Random, slot: _Slot, *, year: int, serial_no: int) -> dict[str, Any]:
    models = catalogue.MODELS[slot.type_code]
    model = models[slot.model % len(models)] if slot.model is not None else rng.choice(models)
    prefix = SERIAL_PREFIX.get(slot.type_code, model.manufacturer[:2].upper())
    fields: dict[str, Any] = {
        "type_code": slot.type_code,
        "serial": f"{prefix}{year % 100:02d}{serial_no:05d}",
        "manufacturer": model.manufacturer,
        "model": model.model,
        "type_approval_no": f"VN-PDM {rng.randint(10, 150):03d}-{rng.randint(12, 24):02d}",
        "manufactured_year": year,
        "role": slot.role,
    }
    if model.e_g is not None:
        e = model.e_g
        fields.update(max_g=model.max_g, e_g=float(e), d_g=float(model.d_g or e))
    if model.qmax is not None:
        fields.update(qmin_lpm=model.qmin, qmax_lpm=model.qmax, nozzles=model.nozzles)
        fields.update(mmq_l=model.mmq, seal_number=f"KC{rng.randint(100000, 999999)}")
    return fields


def _points(
    rng: random.Random, fields: dict[str, Any], info: TypeInfo, ctx: Context, passes: bool
) -> list[PointIn]:
    type_code = fields["type_code"]
    if info.category is TypeCategory.SCALE:
        return history.scale_points(
            rng,
            max_g=Decimal(repr(fields["max_g"])),
            e=Decimal(repr(fields["e_g"])),
            d=Decimal(repr(fields["d_g"])),
            accuracy_class=str(info.accuracy_class),
            passes=passes,
        )
    if info.category is TypeCategory.DISPENSER:
        return history.dispenser_points(rng, percent=ctx.dispenser_mpe_percent, passes=passes)
    return history.other_points(rng, type_code=type_code, passes=passes)


def _instrument(
    rng: random.Random,
    slot: _Slot,
    target: Target,
    info: TypeInfo,
    ctx: Context,
    *,
    serial_no: int,
    before: date | None,
) -> InstrumentPlan:
    chain: list[history.Step] | None = None
    for attempt in (target, "in_service", "registered"):
        chain = history.steps(rng, target=attempt, info=info, ctx=ctx, before=before)
        if chain is not None:
            target = attempt
            break
    steps = chain or []
    year = steps[0].on.year - rng.randint(0, 1) if steps else ctx.today.year
    fields = _fields(rng, slot, year=year, serial_no=serial_no)
    records = tuple(
        history.verification(
            rng,
            step=step,
            type_code=slot.type_code,
            points=_points(rng, fields, info, ctx, step.passes),
        )
        for step in steps
    )
    return InstrumentPlan(slot.site, slot.owner, fields, target, records)


def _status_changes(rng: random.Random, plan: DemoPlan) -> None:
    # One scale suspended after a complaint at the control scale, one worn-out scale retired.
    changes = [
        (
            "in_service",
            StatusChange(action="suspend", reason="Khiếu nại cân thiếu tại cân đối chứng"),
        ),
        ("overdue", StatusChange(action="retire", reason="Cân hỏng, chủ hộ thay cân mới")),
    ]
    for target, change in changes:
        pool = [
            i
            for i, p in enumerate(plan.instruments)
            if p.target == target and p.fields["role"] is InstrumentRole.TRADE and p.action is None
        ]
        if pool:
            index = rng.choice(pool)
            old = plan.instruments[index]
            plan.instruments[index] = InstrumentPlan(
                old.site, old.owner, old.fields, old.target, old.history, change
            )


def _sites(unit_names: Mapping[str, str]) -> list[SitePlan]:
    kinds = [
        *((SiteKind.MARKET, p) for p in places.MARKETS),
        *((SiteKind.FUEL_STATION, p) for p in places.STATIONS),
        *((SiteKind.OTHER, p) for p in places.OTHER_SITES.values()),
    ]
    return [SitePlan(kind, place, _address(place, unit_names)) for kind, place in kinds]


def build_plan(
    *,
    seed: int,
    instruments: int,
    today: date,
    types: Mapping[str, TypeInfo],
    due_soon_days: int,
    dispenser_mpe_percent: float,
    unit_names: Mapping[str, str],
    reform_on: date,
) -> DemoPlan:
    """Return the demo province for a seed and a today; the same inputs give the same plan.

    `unit_names` maps the codes of the list in force from `reform_on` (2025) to unit names.
    """
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    ctx = Context(today, due_soon_days, Decimal(repr(dispenser_mpe_percent)))
    plan = DemoPlan(
        reform_on=reform_on, standards=catalogue.standards(today), sites=_sites(unit_names)
    )
    # No one has verified at a site whose commune is still undecided since the reform.
    undecided = {s.place.name for s in plan.sites if s.place.commune is None}
    slots = _fixed_slots(rng, plan, unit_names)
    slots += _market_slots(rng, plan, max(instruments - len(slots), 0), unit_names)
    for number, (slot, target) in enumerate(zip(slots, _targets(rng, slots), strict=True), 1):
        info = types[slot.type_code]
        before = reform_on if slot.site in undecided else None
        item = _instrument(rng, slot, target, info, ctx, serial_no=number, before=before)
        plan.instruments.append(item)
    _status_changes(rng, plan)
    return plan
