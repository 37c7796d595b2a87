"""The demo's 1 July 2025: sites registered under the old districts move to the new communes.

The demo registers its sites in the communes of the 2004 list (under their districts), and the
records made there before the reform keep those units. On the reform day the province runs the
rehoming: a site whose old commune went whole into one new commune moves; a site of a split
commune gets a review case, which the provincial inspector decides with a note where the place
names a commune, and which stays open where it does not. Sites then take their address in the
2025 form; the old address stays in the audit trail. Services flush; the caller commits.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.demo import places
from metrology_svc.demo.plan import DemoPlan
from metrology_svc.demo.traffic import VIETNAM
from metrology_svc.rehoming.models import RehomeCase
from metrology_svc.sites.models import Site
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.sites.schemas import SiteUpdate
from metrology_svc.sites.service import update_site
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.repository import UnitRepository

OLD_SCHEME = "2004"
NEW_SCHEME = "2025"
MOVED_AT = time(0)  # the new list is in force from the start of the day
DECIDED_AT = time(10)  # the inspector's decisions, later that morning


@dataclass(frozen=True)
class Units:
    """The demo province's units in both lists, as loaded, and the day the new list began."""

    reform_on: date
    old: Mapping[str, AdminUnit]  # 2004 code → unit (province, districts, communes)
    new: Mapping[str, AdminUnit]  # 2025 code → unit (province, communes)
    old_by_id: Mapping[int, AdminUnit]
    added: int = 0  # units this load created (the 2004 list on a first run; then none)

    def names(self) -> dict[str, str]:
        """Return 2025 code → name, for the plan's addresses and the accounts' scopes."""
        return {code: unit.name for code, unit in self.new.items()}

    def registered(self, place: places.Place) -> AdminUnit:
        """Return the 2004 commune the place was registered in."""
        return self.old[place.old_commune]

    def now(self, place: places.Place) -> AdminUnit:
        """Return the unit the place sits in after the reform (its old one while undecided)."""
        return self.new[place.commune] if place.commune else self.registered(place)

    def old_address(self, place: places.Place) -> str:
        """Return the address as registered: "…, phường Bắc Hà, thành phố Hà Tĩnh"."""
        commune = self.registered(place)
        district = self.old_by_id[commune.parent_id or 0]
        return places.address(place.street, commune.name, district.name)


def _province(units: Mapping[str, AdminUnit]) -> dict[str, AdminUnit]:
    prefix = f"{places.PROVINCE}/"
    return {code: u for code, u in units.items() if u.path.startswith(prefix)}


def load_units(session: Session) -> Units:
    """Load the province's 2004 units and succession (idempotent); return both lists."""
    # Integration points: the 2004 list and the shipped succession table (units package).
    from metrology_svc.units.service import load_2004, load_shipped_succession

    listed = load_2004(session, places.PROVINCE)
    successions = load_shipped_succession(session, places.PROVINCE)
    repo = UnitRepository(session)
    scheme = repo.scheme(NEW_SCHEME)
    if scheme is None or scheme.valid_from is None:
        raise LookupError(f"unit scheme {NEW_SCHEME} is not loaded")
    old = _province(repo.all_by_code(OLD_SCHEME))
    return Units(
        reform_on=scheme.valid_from,
        old=old,
        new=_province(repo.all_by_code(NEW_SCHEME)),
        old_by_id={u.id or 0: u for u in old.values()},
        added=listed.added + successions.units_created,
    )


@dataclass
class Reformed:
    """What the reform day did to the demo's sites."""

    moved: list[str] = field(default_factory=list)  # site names moved whole
    decided: list[str] = field(default_factory=list)  # split cases the inspector decided
    still_open: list[str] = field(default_factory=list)  # split cases left for review


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, VIETNAM)


def _decide(
    session: Session, plan: DemoPlan, units: Units, inspector: Principal, cases: Mapping[str, int]
) -> tuple[list[str], list[str]]:
    # Integration point: the review decision (rehoming package).
    from metrology_svc.rehoming.service import decide

    decided, still_open = [], []
    for name, case_id in sorted(cases.items()):
        place = next(s.place for s in plan.sites if s.place.name == name)
        if place.commune is None:
            still_open.append(name)
            continue
        decide(session, case_id, f"{NEW_SCHEME}:{place.commune}", inspector, note=place.note)
        case = session.get(RehomeCase, case_id)
        if case is not None:  # the decision belongs to the reform day, not to today
            case.decided_at = _at(plan.reform_on, DECIDED_AT)
        decided.append(name)
    return decided, still_open


def _settle(
    session: Session, plan: DemoPlan, units: Units, site_ids: Mapping[str, int], admin: Principal
) -> None:
    """Check each site landed where its place says; date its move; write its new address."""
    repo = SiteRepository(session)
    for item in plan.sites:
        place = item.place
        site = session.get(Site, site_ids[place.name])
        assert site is not None
        expected = units.now(place)
        if site.unit_id != expected.id:
            raise RuntimeError(
                f"demo site {place.name!r} should be in {expected.scheme}:{expected.code} "
                f"after the reform, the rehoming left it in unit {site.unit_id}"
            )
        for row in repo.moves(site_ids[place.name]):
            whole = row.move.reason == "succession_whole"
            row.move.moved_at = _at(plan.reform_on, MOVED_AT if whole else DECIDED_AT)
        if item.address is not None and item.address != site.address:
            old = site.address
            update_site(session, admin, site_ids[place.name], SiteUpdate(address=item.address))
            audit(
                session,
                actor=admin,
                action="site.address",
                entity="site",
                entity_id=site.id,
                detail={"from": old, "to": item.address, "since": plan.reform_on},
            )


def reform(
    session: Session,
    plan: DemoPlan,
    *,
    units: Units,
    site_ids: Mapping[str, int],
    admin: Principal,
    inspector: Principal,
) -> Reformed:
    """Rehome the province's sites, decide the split cases the places decide, rewrite addresses."""
    # Integration point: the rehoming run (rehoming package), as the province runs it.
    from metrology_svc.rehoming.service import rehome

    run = rehome(session, province_code=places.PROVINCE, user=None)
    done = Reformed(moved=sorted(m.site_name for m in run.moved))
    cases = {c.site_name: c.case_id for c in run.cases_opened if c.case_id is not None}
    done.decided, done.still_open = _decide(session, plan, units, inspector, cases)
    session.flush()
    _settle(session, plan, units, site_ids, admin)
    session.flush()
    return done
