"""Queries on owners."""

import unicodedata

from sqlmodel import Session, col, func, or_, select

from metrology_svc.core.pagination import PageParams
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit


class OwnerRepository:
    """Reads and writes owners."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, owner_id: int) -> Owner | None:
        """Return the owner with this id."""
        return self.session.get(Owner, owner_id)

    def by_tax_code(self, tax_code: str) -> Owner | None:
        """Return the owner with this tax code."""
        return self.session.exec(select(Owner).where(Owner.tax_code == tax_code)).first()

    def page(self, *, params: PageParams, q: str | None) -> tuple[list[Owner], int]:
        """Return a page of owners, optionally matching a name, trade name, tax code or phone."""
        stmt = select(Owner)
        if q:
            # Names are stored in NFC: a search typed (or pasted) in NFD finds them too.
            like = f"%{unicodedata.normalize('NFC', q)}%"
            stmt = stmt.where(
                or_(
                    col(Owner.name).ilike(like),
                    col(Owner.trade_name).ilike(like),
                    col(Owner.tax_code).ilike(like),
                    col(Owner.phone).ilike(like),
                )
            )
        total = self.session.exec(select(func.count()).select_from(stmt.subquery())).one()
        rows = self.session.exec(
            stmt.order_by(col(Owner.id)).offset(params.offset).limit(params.limit)
        ).all()
        return list(rows), total

    def instrument_unit_paths(self, owner_id: int) -> list[str]:
        """Return the unit paths of the sites of every instrument the owner holds (any status)."""
        stmt = (
            select(col(AdminUnit.path))
            .select_from(Instrument)
            .join(Site, col(Site.id) == Instrument.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(col(Instrument.owner_id) == owner_id)
            .distinct()
        )
        return sorted(self.session.exec(stmt).all())

    def add(self, owner: Owner) -> Owner:
        """Stage an owner and flush it so it gets its id."""
        self.session.add(owner)
        self.session.flush()
        return owner
