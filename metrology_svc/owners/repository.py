"""Queries on owners."""

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import not_
from sqlmodel import Session, col, func, or_, select

from metrology_svc.auth.models import OwnerUser
from metrology_svc.core.pagination import PageParams
from metrology_svc.core.scope import under_any
from metrology_svc.inspections.models import InspectionDecision
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice, NoticePreference
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit


@dataclass
class Holdings:
    """What an owner holds: what a merge would move to the owner that stays."""

    instruments: int = 0
    notices: int = 0
    channels: bool = False  # notice channels set up (e-mail, webhook, MQTT, letter)
    accounts: int = 0  # owner portal accounts
    decisions: int = 0  # inspection decisions naming the owner as the party
    sites: list[str] = field(default_factory=list)  # names of their instruments' sites


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

    def by_national_id(self, national_id: str) -> Owner | None:
        """Return the owner with this national ID (digits only)."""
        return self.session.exec(select(Owner).where(Owner.national_id == national_id)).first()

    def page(
        self, *, params: PageParams, q: str | None, national_id: bool = False
    ) -> tuple[list[Owner], int]:
        """Return a page of owners, optionally matching a name, trade name, tax code or phone,
        and the national ID when `national_id` (the reader may see it)."""
        stmt = select(Owner)
        if q:
            # Names are stored in NFC: a search typed (or pasted) in NFD finds them too.
            like = f"%{unicodedata.normalize('NFC', q)}%"
            found = [
                col(Owner.name).ilike(like),
                col(Owner.trade_name).ilike(like),
                col(Owner.tax_code).ilike(like),
                col(Owner.phone).ilike(like),
            ]
            digits = "".join(q.replace(".", " ").split())  # "001 234 567 890" as stored
            if national_id and digits.isascii() and digits.isdigit():
                found.append(col(Owner.national_id).like(f"%{digits}%"))
            stmt = stmt.where(or_(*found))
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

    def identities(self) -> Iterator[tuple[int, str, str | None, str | None]]:
        """Stream (id, name, phone, tax_code) of every owner, a few thousand rows at a time."""
        stmt = select(col(Owner.id), col(Owner.name), col(Owner.phone), col(Owner.tax_code))
        for row in self.session.execute(stmt.execution_options(yield_per=5000)):
            yield row[0], row[1], row[2], row[3]

    def owners_outside(self, paths: tuple[str, ...]) -> set[int]:
        """Return the owners with an instrument (any status) at a site outside the unit paths."""
        stmt = (
            select(col(Instrument.owner_id))
            .join(Site, col(Site.id) == Instrument.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(not_(under_any(col(AdminUnit.path), paths)))
            .distinct()
        )
        return set(self.session.exec(stmt).all())

    def by_ids(self, owner_ids: list[int]) -> dict[int, Owner]:
        """Return the owners with these ids (a page's worth), by id."""
        stmt = select(Owner).where(col(Owner.id).in_(owner_ids))
        return {o.id: o for o in self.session.exec(stmt).all() if o.id is not None}

    def holdings(self, owner_ids: list[int]) -> dict[int, Holdings]:
        """Return what each owner holds (a page's worth of owners), by id."""
        out = {i: Holdings() for i in owner_ids}
        for column, name in (
            (col(Instrument.owner_id), "instruments"),
            (col(Notice.owner_id), "notices"),
            (col(OwnerUser.owner_id), "accounts"),
            (col(InspectionDecision.owner_id), "decisions"),
        ):
            stmt = select(column, func.count()).where(column.in_(owner_ids)).group_by(column)
            for owner_id, count in self.session.exec(stmt).all():
                if owner_id is not None:
                    setattr(out[owner_id], name, count)
        channels = select(col(NoticePreference.owner_id)).where(
            col(NoticePreference.owner_id).in_(owner_ids)
        )
        for owner_id in self.session.exec(channels).all():
            out[owner_id].channels = True
        sites = (
            select(col(Instrument.owner_id), col(Site.name))
            .join(Site, col(Site.id) == Instrument.site_id)
            .where(col(Instrument.owner_id).in_(owner_ids))
            .distinct()
            .order_by(col(Instrument.owner_id), col(Site.name))
        )
        for owner_id, site_name in self.session.exec(sites).all():
            out[owner_id].sites.append(site_name)
        return out

    def add(self, owner: Owner) -> Owner:
        """Stage an owner and flush it so it gets its id."""
        self.session.add(owner)
        self.session.flush()
        return owner
