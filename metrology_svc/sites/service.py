"""Rules for sites: a site sits in a unit within the user's jurisdiction; names are unique there."""

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Conflict, NotFound
from metrology_svc.sites.models import Site
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.sites.schemas import SiteCreate, SitePublic, SiteUpdate
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.service import unit_by_code


def to_public(site: Site, unit: AdminUnit) -> SitePublic:
    """Return the API shape of a site."""
    return SitePublic.model_validate({**site.model_dump(), "unit_code": unit.code})


def get_site(session: Session, user: Principal, site_id: int) -> tuple[Site, AdminUnit]:
    """Return a site the user may see, or raise NotFound / Forbidden."""
    found = SiteRepository(session).get_with_unit(site_id)
    if found is None:
        raise NotFound(f"No site {site_id}.", message_vi=f"Không có địa điểm {site_id}.")
    user.require_read(found[1].path)
    return found


def create_site(session: Session, user: Principal, data: SiteCreate) -> SitePublic:
    """Create a site; the caller commits."""
    unit = unit_by_code(session, data.unit_code, loc=["body", "unit_code"])
    user.require_write(unit.path)
    assert unit.id is not None
    repo = SiteRepository(session)
    if repo.by_unit_and_name(unit.id, data.name) is not None:
        raise Conflict(
            f"A site named {data.name!r} exists in {unit.name}.",
            message_vi=f"Đã có địa điểm {data.name!r} tại {unit.name}.",
            loc=["body", "name"],
        )
    site = repo.add(Site(**data.model_dump(exclude={"unit_code"}), unit_id=unit.id))
    return to_public(site, unit)


def update_site(session: Session, user: Principal, site_id: int, data: SiteUpdate) -> SitePublic:
    """Change a site's fields; the caller commits."""
    site, unit = get_site(session, user, site_id)
    user.require_write(unit.path)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(site, key, value)
    session.flush()
    return to_public(site, unit)
