"""Accounts scoped to units of an older scheme move to the units that succeeded them.

A district scope becomes every commune in force that received any of its communes; a commune
scope its successor(s); a province scope the province in force of the same code (or the
province it was merged into). The account holder is told, in Vietnamese and English, and the
change is audited.
"""

from dataclasses import dataclass, field

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.models import UserUnit
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.auth.service import replace_scope_unit, tell
from metrology_svc.rehoming.schemas import ScopeChange, UnitRef
from metrology_svc.rehoming.successors import Successor, Successors
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.repository import UnitRepository


def _ref(unit: AdminUnit) -> UnitRef:
    return UnitRef(id=unit.id or 0, code=unit.code, name=unit.name, scheme=unit.scheme)


@dataclass
class ScopePlan:
    """The scope links a run replaces, and the ones it cannot (no succession loaded)."""

    scheme: str
    migrated: list[ScopeChange] = field(default_factory=list)
    without: list[ScopeChange] = field(default_factory=list)
    links: list[tuple[UserUnit, AdminUnit, list[Successor]]] = field(default_factory=list)


def plan(
    session: Session, scheme: str, older: list[str], provinces: tuple[str, ...] | None
) -> ScopePlan:
    """Decide which scope links move where (reads only); only these provinces' if named."""
    out = ScopePlan(scheme=scheme)
    successors = Successors(session, scheme)
    for link, user, unit in AuthRepository(session).scope_links(older):
        if provinces is not None and unit.path.split("/", 1)[0] not in provinces:
            continue
        found = successors.scope(unit)
        change = ScopeChange(
            user_id=user.id or 0,
            user_name=user.name,
            old_unit=_ref(unit),
            new_units=[_ref(s.unit) for s in found],
        )
        if found:
            out.migrated.append(change)
            out.links.append((link, unit, found))
        else:
            out.without.append(change)
    return out


def _label(unit: AdminUnit | UnitRef) -> str:
    return f"{unit.name} ({unit.code})"


def _texts(
    session: Session, scheme: str, moves: list[tuple[AdminUnit, list[Successor]]]
) -> tuple[str, str]:
    found = UnitRepository(session).scheme(scheme)
    since = found.valid_from.strftime("%d/%m/%Y") if found and found.valid_from else scheme
    vi = [
        f"Địa bàn phụ trách của bạn đã được chuyển sang đơn vị hành chính hiện hành (từ {since}):"
    ]
    en = [f"Your scope has been moved to the administrative units in force (since {since}):"]
    for old, new in moves:
        names = ", ".join(_label(s.unit) for s in new)
        bases = "; ".join(dict.fromkeys(s.basis for s in new))
        vi.append(f"{_label(old)}, danh mục {old.scheme} → {names}. Căn cứ: {bases}.")
        en.append(f"{_label(old)}, {old.scheme} list → {names}. Basis: {bases}.")
    return " ".join(vi), " ".join(en)


def apply(session: Session, scope_plan: ScopePlan, actor: Principal | None) -> None:
    """Replace the planned links, tell each account holder once and audit it."""
    by_user: dict[int, list[tuple[UserUnit, AdminUnit, list[Successor]]]] = {}
    for link, unit, found in scope_plan.links:
        by_user.setdefault(link.user_id, []).append((link, unit, found))
    for user_id, items in by_user.items():
        added: list[int] = []
        for link, _unit, found in items:
            added += replace_scope_unit(
                session, link=link, new_unit_ids=[s.unit.id or 0 for s in found]
            )
        text_vi, text_en = _texts(session, scope_plan.scheme, [(u, f) for _l, u, f in items])
        message = tell(session, user_id=user_id, text_vi=text_vi, text_en=text_en)
        audit(
            session,
            actor=actor,
            action="user.scope_migrate",
            entity="user",
            entity_id=user_id,
            detail={
                "from": [f"{u.scheme}:{u.code}" for _l, u, _f in items],
                "to": [f"{s.unit.scheme}:{s.unit.code}" for _l, _u, f in items for s in f],
                "added_unit_ids": added,
                "message_id": message.id,
            },
        )
