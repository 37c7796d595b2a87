"""Rules for administrative units: schemes, levels, parents, and loading a national list.

In a three-tier scheme (2004) a district sits under a province and a commune under a district;
in a two-tier scheme (2025 on) a commune sits directly under its province and there are no
districts. A code is unique within its scheme only.
"""

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, Invalid, Loc
from metrology_svc.units import conversion, national
from metrology_svc.units.models import AdminUnit, UnitLevel, UnitScheme
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.resolver import Resolved as Resolved
from metrology_svc.units.resolver import UnitResolver as UnitResolver
from metrology_svc.units.resolver import UnknownUnit as UnknownUnit
from metrology_svc.units.resolver import resolve_unit_input as resolve_unit_input
from metrology_svc.units.schemas import AdminUnitCreate, LoadResult
from metrology_svc.units.schemes import THREE_TIER_SCHEME as THREE_TIER_SCHEME
from metrology_svc.units.schemes import TWO_TIER_SCHEME as TWO_TIER_SCHEME
from metrology_svc.units.schemes import current_scheme as current_scheme
from metrology_svc.units.schemes import scheme_by_key
from metrology_svc.units.schemes import scheme_on as scheme_on
from metrology_svc.units.succession import add_old_units
from metrology_svc.units.succession import import_succession as import_succession
from metrology_svc.units.succession import load_shipped_succession as load_shipped_succession


def _parent_level(scheme: UnitScheme, level: UnitLevel) -> UnitLevel:
    if level is UnitLevel.DISTRICT:
        return UnitLevel.PROVINCE
    return UnitLevel.PROVINCE if scheme.tiers == 2 else UnitLevel.DISTRICT


def create_unit(
    session: Session, data: AdminUnitCreate, *, actor: Principal | None = None
) -> AdminUnit:
    """Create a unit under its parent in a scheme (default: the one in force); caller commits.

    Audited as "unit.create" by the actor (None: the system, e.g. a command or a load).
    """
    scheme = scheme_by_key(session, data.scheme)
    repo = UnitRepository(session)
    if data.level is UnitLevel.DISTRICT and scheme.tiers == 2:
        raise Invalid(
            f"Scheme {scheme.key} has no district level (districts ended on 01/07/2025).",
            message_vi=f"Danh mục {scheme.key} không có cấp huyện (đã kết thúc từ 01/07/2025).",
            loc=["body", "level"],
        )
    if repo.by_code(data.code, scheme.key) is not None:
        raise Conflict(
            f"Unit code {data.code} exists in scheme {scheme.key}.",
            message_vi=f"Mã đơn vị {data.code} đã có trong danh mục {scheme.key}.",
            loc=["body", "code"],
        )
    unit = AdminUnit(
        code=data.code,
        name=data.name,
        level=data.level,
        scheme=scheme.key,
        division_type=data.division_type,
        valid_from=scheme.valid_from,
        valid_to=scheme.valid_to,
        path=f"{data.code}/",
    )
    if data.level is UnitLevel.PROVINCE:
        if data.parent_code:
            raise Invalid(
                "A province has no parent.",
                message_vi="Tỉnh không có đơn vị cấp trên.",
                loc=["body", "parent_code"],
            )
        return _audited(session, repo.add(unit), actor=actor)
    want = _parent_level(scheme, data.level)
    parent = repo.by_code(data.parent_code, scheme.key) if data.parent_code else None
    if parent is None or parent.level != want:
        raise Invalid(
            f"A {data.level.value} of scheme {scheme.key} needs an existing {want.value} "
            "of the same scheme as parent_code.",
            message_vi=(
                "Cần mã tỉnh làm đơn vị cấp trên (danh mục hai cấp)."
                if want is UnitLevel.PROVINCE
                else "Cần mã huyện làm đơn vị cấp trên (danh mục ba cấp)."
            ),
            loc=["body", "parent_code"],
        )
    unit.parent_id, unit.path = parent.id, f"{parent.path}{data.code}/"
    return _audited(session, repo.add(unit), actor=actor)


def _audited(session: Session, unit: AdminUnit, *, actor: Principal | None) -> AdminUnit:
    detail = unit.model_dump(include={"code", "name", "level", "scheme", "parent_id", "path"})
    audit(
        session,
        actor=actor,
        action="unit.create",
        entity="admin_unit",
        entity_id=unit.id,
        detail=detail,
    )
    return unit


def unit_by_code(
    session: Session,
    code: str,
    scheme: str | None = None,
    *,
    loc: Loc | None = None,
) -> AdminUnit:
    """Return the unit with this code (in the scheme, default the one in force), or refuse.

    A code written "2004:436" names its scheme itself.
    """
    if ":" in code and scheme is None:
        scheme, code = code.split(":", 1)
    key = scheme or current_scheme(session).key
    unit = UnitRepository(session).by_code(code, key)
    if unit is None:
        raise Invalid(
            f"Unknown unit code {code!r} (scheme {key}).",
            loc=loc or ["query", "unit_code"],
            message_vi=f"Không có đơn vị hành chính mã {code!r} (danh mục {key}).",
        )
    return unit


def load_2025(session: Session, listed: national.NationalList | None = None) -> LoadResult:
    """Load (or bring up to date) the 2025 national list; idempotent; the caller commits.

    A unit already there keeps its id and code; a corrected name or type is updated in place
    (the same unit, better spelt). Nothing is deleted.
    """
    listed = listed or national.read_2025()
    scheme = scheme_by_key(session, TWO_TIER_SCHEME)
    repo = UnitRepository(session)
    existing = repo.all_by_code(scheme.key)
    added = renamed = unchanged = 0
    for item in listed.units:
        unit = existing.get(item.code)
        if unit is not None:
            if (unit.name, unit.division_type) == (item.name, item.division_type):
                unchanged += 1
            else:
                unit.name, unit.division_type = item.name, item.division_type
                session.add(unit)
                renamed += 1
            continue
        parent = existing.get(item.parent_code) if item.parent_code else None
        path = f"{parent.path}{item.code}/" if parent else f"{item.code}/"
        unit = AdminUnit(
            code=item.code,
            name=item.name,
            level=UnitLevel(item.level),
            scheme=scheme.key,
            division_type=item.division_type,
            parent_id=parent.id if parent else None,
            path=path,
            valid_from=scheme.valid_from,
            valid_to=scheme.valid_to,
        )
        session.add(unit)
        if unit.level is UnitLevel.PROVINCE:
            session.flush()
        existing[item.code] = unit
        added += 1
    if scheme.data_source != listed.source:
        scheme.data_source = listed.source
        session.add(scheme)
    session.flush()
    return LoadResult(
        scheme=scheme.key, added=added, renamed=renamed, unchanged=unchanged, source=listed.source
    )


def load_2004(session: Session, province_code: str) -> LoadResult:
    """Load one province's pre-2025 units (province, districts, communes); idempotent.

    Units of the 2004 scheme already stored with the same code are kept as they are (never
    renamed); the caller commits.
    """
    items = conversion.legacy_units(province_code)
    if not items:
        raise Invalid(
            f"No province {province_code!r} in the pre-2025 list.",
            message_vi=f"Không có tỉnh mã {province_code!r} trong danh mục trước 2025.",
            loc=["province"],
        )
    scheme = scheme_by_key(session, THREE_TIER_SCHEME)
    added, differing = add_old_units(UnitRepository(session), scheme, items)
    return LoadResult(
        scheme=scheme.key,
        added=added,
        renamed=0,
        unchanged=len(items) - added,
        source=conversion.source_label(),
        differing=differing,
    )
