"""Rehoming: move sites (and scopes) from units of an older code scheme to the one in force.

A site whose old commune went whole into one new unit is moved; a site whose commune was
split, or that sits on a district or province, gets a review case with the candidates and a
suggestion; a site whose unit has no succession recorded is listed and left alone. Records
made at a site (verifications, inspections, stamps, notices) keep the unit they were made
under. A second run changes nothing. Services flush; the caller commits.
"""

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import Conflict, Forbidden, Invalid, NotFound
from metrology_svc.rehoming import planning, scopes
from metrology_svc.rehoming.models import CaseStatus, RehomeCase
from metrology_svc.rehoming.planning import Progress, unit_ref
from metrology_svc.rehoming.repository import CaseRow, RehomeRepository
from metrology_svc.rehoming.rules import Candidate, split_reason
from metrology_svc.rehoming.schemas import Outcome, RehomeCasePublic, RehomeResult
from metrology_svc.rehoming.successors import Successors
from metrology_svc.sites.service import MoveReason, move_site
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.service import current_scheme, unit_by_code


def older_schemes(session: Session) -> tuple[str, list[str]]:
    """Return the key of the scheme in force and the keys of the schemes before it."""
    now = current_scheme(session)
    keys = [s.key for s in UnitRepository(session).schemes()]
    return now.key, keys[: keys.index(now.key)]


def _provinces(session: Session, scheme: str, code: str) -> tuple[str, ...]:
    """Return a province's code and those of the old provinces merged into it."""
    repo = UnitRepository(session)
    province = repo.by_code(code, scheme)
    if province is None or province.id is None:
        return (code,)
    rows = repo.successions_into([province.id])
    old = repo.by_ids([r.old_unit_id for r in rows])
    merged = sorted(u.code for u in old.values() if u.level is UnitLevel.PROVINCE)
    return tuple(dict.fromkeys([code, *merged]))


def rehome(
    session: Session,
    *,
    province_code: str | None = None,
    user: Principal | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RehomeResult:
    """Move sites and scopes of older schemes to the scheme in force; the caller commits.

    A province code limits the run to that province and the old provinces merged into it. A
    dry run decides everything and writes nothing.
    """
    scheme, older = older_schemes(session)
    provinces = None if province_code is None else _provinces(session, scheme, province_code)
    sites = RehomeRepository(session).sites_in_schemes(older, provinces)
    plan = planning.plan_sites(session, scheme, sites, progress)
    scope_plan = scopes.plan(session, scheme, older, provinces)
    if not dry_run:
        planning.apply(session, scheme, plan, user)
        scopes.apply(session, scope_plan, user)
    counts = {
        **plan.counts,
        "scopes_migrated": len(scope_plan.migrated),
        "scopes_without_succession": len(scope_plan.without),
    }
    get = plan.outcomes.get
    return RehomeResult(
        scheme=scheme,
        province_code=province_code,
        dry_run=dry_run,
        sites_checked=len(sites),
        moved=get(Outcome.MOVED, []),
        cases_opened=get(Outcome.CASE_OPENED, []),
        cases_already_open=get(Outcome.CASE_OPEN, []),
        no_succession=get(Outcome.NO_SUCCESSION, []),
        name_taken=get(Outcome.NAME_TAKEN, []),
        scopes_migrated=scope_plan.migrated,
        scopes_without_succession=scope_plan.without,
        counts=counts,
    )


def case_in_scope(user: Principal, old_unit: AdminUnit, candidates: list[AdminUnit]) -> bool:
    """Tell whether a case lies in the user's area: its old unit or one of its candidates."""
    return user.covers(old_unit.path) or any(user.covers(u.path) for u in candidates)


def _ids(case: RehomeCase) -> list[int]:
    return [Candidate.from_json(c).unit_id for c in case.candidates]


def to_public(session: Session, row: CaseRow) -> RehomeCasePublic:
    """Return the API shape of a case."""
    case, site, old = row
    vi, en = split_reason(case.suggestion_reason)
    return RehomeCasePublic.model_validate(
        {
            **case.model_dump(exclude={"candidates", "suggestion_reason"}),
            "site_name": site.name,
            "site_address": site.address,
            "latitude": site.latitude,
            "longitude": site.longitude,
            "old_unit": unit_ref(old),
            "candidates": case.candidates,
            "suggestion_reason": vi,
            "suggestion_reason_en": en,
        }
    )


def list_cases(
    session: Session, user: Principal, *, status: CaseStatus | None, offset: int, limit: int
) -> tuple[list[RehomeCasePublic], int]:
    """Return a page of the cases in the user's area (all for admins and viewers), and the total.

    Cases are few (one per site of a split commune), so the area is checked here, on the
    candidates' units, rather than in SQL on the JSON list.
    """
    user.require_staff()
    rows = RehomeRepository(session).cases(status)
    if not user.sees_everything:
        units = UnitRepository(session).by_ids([i for r in rows for i in _ids(r[0])])
        rows = [
            r
            for r in rows
            if case_in_scope(user, r[2], [units[u] for u in _ids(r[0]) if u in units])
        ]
    page = rows[offset : offset + limit]
    return [to_public(session, r) for r in page], len(rows)


def get_case(session: Session, user: Principal, case_id: int) -> CaseRow:
    """Return a case in the user's area, or raise NotFound / Forbidden."""
    user.require_staff()
    row = RehomeRepository(session).get(case_id)
    if row is None:
        raise NotFound(
            f"No rehoming case {case_id}.", message_vi=f"Không có hồ sơ rà soát {case_id}."
        )
    candidates = UnitRepository(session).by_ids(_ids(row[0]))
    if not case_in_scope(user, row[2], list(candidates.values())):
        raise Forbidden(
            "This case lies outside your jurisdiction.",
            message_vi="Hồ sơ rà soát này nằm ngoài địa bàn được phân công.",
        )
    return row


def _chosen(session: Session, scheme: str, unit: int | str) -> AdminUnit:
    found = (
        UnitRepository(session).get(unit)
        if isinstance(unit, int)
        else unit_by_code(session, unit, None if ":" in unit else scheme, loc=["body", "unit_code"])
    )
    if found is None or found.scheme != scheme or found.level is not UnitLevel.COMMUNE:
        raise Invalid(
            f"Choose a commune of the list in force ({scheme}).",
            message_vi=f"Hãy chọn một xã/phường/đặc khu theo danh mục đang áp dụng ({scheme}).",
            loc=["body", "unit_id" if isinstance(unit, int) else "unit_code"],
        )
    return found


def decide(
    session: Session, case_id: int, unit_code_or_id: int | str, user: Principal, note: str = ""
) -> RehomeCasePublic:
    """Put a case's site in the chosen unit and close the case; the caller commits.

    The unit is a unit id (int) or a code (str, of the scheme in force; "2025:18754" too). It
    must be one of the candidates, unless an administrator gives a note saying why.
    """
    user.require_write()
    case, site, old = get_case(session, user, case_id)
    if case.status is not CaseStatus.OPEN:
        raise Conflict(
            f"Case {case_id} was already decided.",
            message_vi=f"Hồ sơ rà soát {case_id} đã được quyết định.",
        )
    chosen = _chosen(session, case.to_scheme, unit_code_or_id)
    pool = {c.unit_id: c for c in map(Candidate.from_json, case.candidates)}
    note = note.strip()
    if chosen.id not in pool and not (user.role is Role.ADMIN and note):
        listed = ", ".join(f"{c.name} ({c.code})" for c in pool.values())
        raise Invalid(
            f"{chosen.name} is not among the candidates ({listed}); an administrator may choose "
            "another unit with a note saying why.",
            message_vi=f"{chosen.name} không nằm trong các đơn vị kế thừa ({listed}); chỉ quản trị "
            "viên được chọn đơn vị khác, kèm ghi chú lý do.",
            loc=["body", "unit_code"],
        )
    if site.unit_id != case.old_unit_id:
        raise Conflict(
            "The site has moved since the case was opened.",
            message_vi="Địa điểm đã được chuyển đơn vị sau khi mở hồ sơ rà soát.",
        )
    basis = note or "; ".join(
        dict.fromkeys(
            s.basis
            for s in Successors(session, case.to_scheme).candidates(old)
            if s.unit.id == chosen.id
        )
    )
    move_site(
        session,
        site=site,
        to_unit=chosen,
        reason=MoveReason.SUCCESSION_REVIEWED,
        basis=basis,
        actor=user,
    )
    case.status = CaseStatus.DECIDED
    case.decided_unit_id = chosen.id
    case.decided_by_user_id = user.user_id if user.user_id > 0 else None
    case.decided_at = utcnow()
    case.note = note[:500]
    session.add(case)
    session.flush()
    audit(
        session,
        actor=user,
        action="rehome.decide",
        entity="rehome_case",
        entity_id=case.id,
        detail={
            "site_id": site.id,
            "unit": f"{chosen.scheme}:{chosen.code}",
            "among_candidates": chosen.id in pool,
            "suggested_unit_id": case.suggested_unit_id,
            "note": case.note,
        },
    )
    return to_public(session, (case, site, old))
