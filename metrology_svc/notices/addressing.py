"""Who signs a notice, and whom a notice to inspectors is written to, by level."""

from sqlmodel import Session

from metrology_svc.core.issuer import IssuingBody, commune_body, place_of, province_body
from metrology_svc.notices.models import Notice, RecipientRole
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel

Units = dict[int, AdminUnit | None]


def unit(session: Session, unit_id: int, units: Units) -> AdminUnit | None:
    """Return a unit, read once per cache (a batch of notices shares a few units)."""
    if unit_id not in units:
        units[unit_id] = session.get(AdminUnit, unit_id)
    return units[unit_id]


def _province_above(session: Session, start: AdminUnit, units: Units) -> AdminUnit | None:
    """Return the province a unit lies in."""
    found: AdminUnit | None = start
    while found is not None and found.level != UnitLevel.PROVINCE:
        found = unit(session, found.parent_id, units) if found.parent_id else None
    return found


def issuers(
    session: Session,
    notice: Notice,
    site_unit: AdminUnit,
    *,
    settings: Settings,
    units: Units | None = None,
) -> tuple[IssuingBody, str]:
    """Return who signs the notice's letter, and whom a notice to inspectors is written to.

    The letter is signed by the province's office, or (notice_issuer_level "commune") by the
    people's committee of the site's commune now. A notice to inspectors is written to the
    site's commune when it has officers, else to the province's office.
    """
    province = _province_above(session, site_unit, {} if units is None else units)
    here = place_of(site_unit.division_type, site_unit.name)
    above = place_of(province.division_type, province.name) if province else here
    office = province_body(settings, above)
    commune = commune_body(settings, here, above) if site_unit.level == UnitLevel.COMMUNE else None
    issuer = commune if commune and settings.notice_issuer_level == "commune" else office
    if notice.recipient_role != RecipientRole.INSPECTOR:
        return issuer, ""
    assert notice.id is not None
    level = NoticeRepository(session).recipient_level(notice.id)
    return issuer, commune.name if commune and level == "commune" else office.name
