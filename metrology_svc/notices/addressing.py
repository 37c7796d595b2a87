"""Who signs a notice, and whom a notice to inspectors is written to, by level."""

from sqlmodel import Session

from metrology_svc.core.issuer import IssuingBody, commune_body, place_of, province_body
from metrology_svc.notices.models import Notice, RecipientRole
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.settings import Settings
from metrology_svc.units.models import AdminUnit, UnitLevel


def _province_above(session: Session, unit: AdminUnit) -> AdminUnit | None:
    """Return the province a unit lies in (the session keeps the few units it reads)."""
    found: AdminUnit | None = unit
    while found is not None and found.level != UnitLevel.PROVINCE:
        found = session.get(AdminUnit, found.parent_id) if found.parent_id else None
    return found


def issuers(
    session: Session, notice: Notice, unit: AdminUnit, *, settings: Settings
) -> tuple[IssuingBody, str]:
    """Return who signs the notice's letter, and whom a notice to inspectors is written to.

    The letter is signed by the province's office, or (notice_issuer_level "commune") by the
    people's committee of the site's commune now. A notice to inspectors is written to the
    site's commune when it has officers, else to the province's office.
    """
    province = _province_above(session, unit)
    here = place_of(unit.division_type, unit.name)
    above = place_of(province.division_type, province.name) if province else here
    office = province_body(settings, above)
    commune = commune_body(settings, here, above) if unit.level == UnitLevel.COMMUNE else None
    issuer = commune if commune and settings.notice_issuer_level == "commune" else office
    if notice.recipient_role != RecipientRole.INSPECTOR:
        return issuer, ""
    assert notice.id is not None
    level = NoticeRepository(session).recipient_level(notice.id)
    return issuer, commune.name if commune and level == "commune" else office.name
