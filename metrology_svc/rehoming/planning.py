"""Planning a rehome run: what happens to each site, decided before anything is written."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.rehoming.locate import address_commune, commune_centre, province_of
from metrology_svc.rehoming.models import RehomeCase
from metrology_svc.rehoming.repository import RehomeRepository
from metrology_svc.rehoming.rules import Candidate, Suggestion, suggest
from metrology_svc.rehoming.schemas import Outcome, SiteOutcome, UnitRef
from metrology_svc.rehoming.successors import Successor, Successors
from metrology_svc.sites.models import Site
from metrology_svc.sites.service import MoveReason, move_site, name_taken
from metrology_svc.units.models import AdminUnit

Progress = Callable[[int, int], None]  # (sites done, sites in all)


def unit_ref(unit: AdminUnit) -> UnitRef:
    """Return a unit as results name it."""
    return UnitRef(id=unit.id or 0, code=unit.code, name=unit.name, scheme=unit.scheme)


@dataclass
class Plan:
    """What a run does, decided before anything is written (a dry run stops here)."""

    moves: list[tuple[Site, AdminUnit, Successor]] = field(default_factory=list)
    cases: list[tuple[Site, AdminUnit, list[Candidate], Suggestion]] = field(default_factory=list)
    outcomes: dict[Outcome, list[SiteOutcome]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def note(
        self, outcome: Outcome, site: Site, unit: AdminUnit, reason: str, **extra: object
    ) -> SiteOutcome:
        """List a site under its outcome and count it under its reason."""
        row = SiteOutcome.model_validate(
            {
                "site_id": site.id,
                "site_name": site.name,
                "old_unit": unit_ref(unit),
                "outcome": outcome,
                **extra,
            }
        )
        self.outcomes.setdefault(outcome, []).append(row)
        self.counts[reason] = self.counts.get(reason, 0) + 1
        return row


def _suggestion(site: Site, found: list[Successor]) -> tuple[list[Candidate], Suggestion]:
    """Return the candidates and the one suggested by address, coordinates or resolution."""
    pool = [Candidate(s.unit.id or 0, s.unit.code, s.unit.name, s.default) for s in found]
    position = None
    centres: dict[str, tuple[float, float]] = {}
    if site.latitude is not None and site.longitude is not None:
        position = (site.latitude, site.longitude)
        for s in found:
            centre = commune_centre(province_of(s.unit), s.unit.code)
            if centre is not None:
                centres[s.unit.code] = centre
    hint = suggest(
        pool,
        address=site.address,
        address_code=address_commune(site.address),
        position=position,
        centres=centres,
    )
    return pool, hint


def plan_sites(
    session: Session, scheme: str, sites: list[tuple[Site, AdminUnit]], progress: Progress | None
) -> Plan:
    """Decide each site's outcome (reads only)."""
    plan = Plan()
    successors = Successors(session, scheme)
    existing = RehomeRepository(session).cases_of_scheme(scheme)
    taken: set[tuple[int, str]] = set()  # (unit id, site name) this run moves a site into
    for done, (site, unit) in enumerate(sites, start=1):
        assert site.id is not None
        case = existing.get((site.id, unit.id or 0))
        target = successors.whole_target(unit)
        found = successors.candidates(unit) if target is None else [target]
        if case is not None:
            plan.note(Outcome.CASE_OPEN, site, unit, Outcome.CASE_OPEN.value, case_id=case.id)
        elif not found:
            plan.note(Outcome.NO_SUCCESSION, site, unit, Outcome.NO_SUCCESSION.value)
        elif target is not None:
            key = (target.unit.id or 0, site.name)
            outcome = Outcome.MOVED
            if key in taken or name_taken(session, site, key[0]):
                outcome = Outcome.NAME_TAKEN
            else:
                taken.add(key)
                plan.moves.append((site, unit, target))
            reason = "succession_whole" if outcome is Outcome.MOVED else outcome.value
            plan.note(outcome, site, unit, reason, to_unit=unit_ref(target.unit))
        else:
            pool, hint = _suggestion(site, found)
            plan.cases.append((site, unit, pool, hint))
            reason = f"case_{hint.basis.value}"
            plan.note(Outcome.CASE_OPENED, site, unit, reason, suggestion=hint.basis.value)
        if progress is not None:
            progress(done, len(sites))
    return plan


def apply(session: Session, scheme: str, plan: Plan, user: Principal | None) -> None:
    """Make the planned moves and open the planned cases, each audited."""
    repo = RehomeRepository(session)
    for site, _unit, target in plan.moves:
        move_site(
            session,
            site=site,
            to_unit=target.unit,
            reason=MoveReason.SUCCESSION_WHOLE,
            basis=target.basis,
            actor=user,
        )
    opened = {r.site_id: r for r in plan.outcomes.get(Outcome.CASE_OPENED, [])}
    for site, unit, pool, hint in plan.cases:
        assert site.id is not None
        assert unit.id is not None
        case = repo.add(
            RehomeCase(
                site_id=site.id,
                old_unit_id=unit.id,
                to_scheme=scheme,
                candidates=[c.as_json() for c in pool],
                suggested_unit_id=hint.unit_id,
                suggestion_reason=hint.reason,
            )
        )
        opened[site.id].case_id = case.id
        audit(
            session,
            actor=user,
            action="rehome.case_open",
            entity="rehome_case",
            entity_id=case.id,
            detail={
                "site_id": site.id,
                "old_unit": f"{unit.scheme}:{unit.code}",
                "candidates": [c.code for c in pool],
                "suggested_unit_id": hint.unit_id,
                "basis": hint.basis.value,
            },
        )
