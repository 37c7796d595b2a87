"""Rules for administrative units: a province has no parent; others sit under the level above."""

from sqlmodel import Session

from metrology_svc.core.errors import Conflict, Invalid
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate

_PARENT_LEVEL = {UnitLevel.DISTRICT: UnitLevel.PROVINCE, UnitLevel.COMMUNE: UnitLevel.DISTRICT}


def create_unit(session: Session, data: AdminUnitCreate) -> AdminUnit:
    """Create a unit under its parent; the caller commits."""
    repo = UnitRepository(session)
    if repo.by_code(data.code) is not None:
        raise Conflict(
            f"Unit code {data.code} exists.",
            message_vi=f"Mã đơn vị {data.code} đã có.",
            loc=["body", "code"],
        )
    if data.level is UnitLevel.PROVINCE:
        if data.parent_code:
            raise Invalid(
                "A province has no parent.",
                message_vi="Tỉnh không có đơn vị cấp trên.",
                loc=["body", "parent_code"],
            )
        return repo.add(
            AdminUnit(code=data.code, name=data.name, level=data.level, path=f"{data.code}/")
        )
    parent = repo.by_code(data.parent_code) if data.parent_code else None
    if parent is None or parent.level != _PARENT_LEVEL[data.level]:
        want = _PARENT_LEVEL[data.level].value
        raise Invalid(
            f"A {data.level.value} needs an existing {want} as parent_code.",
            message_vi="Cần mã đơn vị cấp trên hợp lệ (tỉnh cho huyện, huyện cho xã).",
            loc=["body", "parent_code"],
        )
    return repo.add(
        AdminUnit(
            code=data.code,
            name=data.name,
            level=data.level,
            parent_id=parent.id,
            path=f"{parent.path}{data.code}/",
        )
    )


def unit_by_code(session: Session, code: str) -> AdminUnit:
    """Return the unit with this official code, or refuse the query parameter `unit_code`."""
    unit = UnitRepository(session).by_code(code)
    if unit is None:
        raise Invalid(
            f"Unknown unit code {code!r}.",
            loc=["query", "unit_code"],
            message_vi=f"Không có đơn vị hành chính mã {code!r}.",
        )
    return unit
