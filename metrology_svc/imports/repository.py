"""Set-based queries for imports and exports: lookups into dicts, executemany writes."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Row, Table, bindparam, func, insert, select, text, update
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sm_select

from metrology_svc.core.bulk import among, insert_rows, update_rows
from metrology_svc.imports.cells import norm
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter, InstrumentRepository
from metrology_svc.owners.matching import loose_name, normalise_phone
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit
from metrology_svc.verifications.imported import InstrumentState

# The columns an import may set on an instrument (identity columns are fixed once stored).
# Never the due date, last verification or status: only a verification moves those.
UPDATABLE = (
    *("model", "type_approval_no", "accuracy_class", "manufactured_year", "max_g", "e_g", "d_g"),
    *("qmin_lpm", "qmax_lpm", "nozzles", "mmq_l", "seal_number", "role", "owner_id", "site_id"),
)
READ_ONLY = ("last_verified_on", "due_date", "status")


@dataclass
class OwnerIndex:
    """Owners by name (accents aside) and by phone: who a new owner may duplicate."""

    names: dict[int, str] = field(default_factory=dict)  # id -> loose name
    by_name: dict[str, list[int]] = field(default_factory=dict)
    no_phone: dict[str, list[int]] = field(default_factory=dict)  # by name, without a phone
    by_phone: dict[str, list[int]] = field(default_factory=dict)

    def add(self, owner_id: int, name: str, phone: str | None) -> None:
        """Index one owner (`name` already loose, `phone` normalised)."""
        self.names[owner_id] = name
        self.by_name.setdefault(name, []).append(owner_id)
        if phone:
            self.by_phone.setdefault(phone, []).append(owner_id)
        else:
            self.no_phone.setdefault(name, []).append(owner_id)

    def alike(self, name: str, phone: str | None) -> list[int]:
        """Return the owners a new one may be (oldest first, at most ALIKE of each kind): the
        same phone, or the same name where one of the two has no phone to tell them apart."""
        if not phone:
            return self.by_name.get(name, [])[:ALIKE]
        found = self.by_phone.get(phone, [])[:ALIKE] + self.no_phone.get(name, [])[:ALIKE]
        return sorted(set(found))


ALIKE = 20


def table(name: str) -> Table:
    """Return a mapped table by name (for Core executemany)."""
    return SQLModel.metadata.tables[name]


class ImportRepository:
    """Reads lookups in bulk and writes rows with executemany."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def types(self) -> list[tuple[str, str, str]]:
        """Return (code, name_vi, name_en) of every instrument type."""
        t = table("instrument_type").c
        return [
            (r[0], r[1], r[2]) for r in self.session.execute(select(t.code, t.name_vi, t.name_en))
        ]

    def default_classes(self) -> dict[str, str | None]:
        """Return type code -> default accuracy class."""
        t = table("instrument_type").c
        stmt = select(t.code, t.default_accuracy_class)
        return {r[0]: r[1] for r in self.session.execute(stmt)}

    def units(self, scheme: str) -> dict[str, tuple[int, str]]:
        """Return unit code -> (id, path) of one code scheme (codes repeat across schemes)."""
        t = table("admin_unit").c
        stmt = select(t.code, t.id, t.path).where(t.scheme == scheme)
        return {r[0]: (r[1], r[2]) for r in self.session.execute(stmt)}

    def owners(self) -> tuple[dict[tuple[str, ...], int], OwnerIndex]:
        """Return owner match keys -> id: ("tax", code), ("nid", national ID) and ("phone",
        phone, name), phones normalised and names compared without accents; and who shares a
        name or a phone."""
        t = table("owner").c
        stmt = select(t.id, t.tax_code, t.national_id, t.name, t.phone).order_by(t.id)
        keys: dict[tuple[str, ...], int] = {}
        index = OwnerIndex()
        rows: Sequence[Row[Any]] = self.session.execute(stmt).all()
        for r in rows:
            if r.tax_code:
                keys[("tax", r.tax_code)] = r.id
            if r.national_id:
                keys[("nid", r.national_id)] = r.id
            name, phone = loose_name(r.name), normalise_phone(r.phone)
            if phone:
                # The oldest owner wins when several share a name and phone.
                keys.setdefault(("phone", phone, name), r.id)
            index.add(r.id, name, phone)
        return keys, index

    def national_id_holders(self) -> dict[int, str]:
        """Return owner id -> name as stored, of the owners that have a national ID."""
        t = table("owner").c
        stmt = select(t.id, t.name).where(t.national_id.is_not(None))
        return {int(r[0]): str(r[1]) for r in self.session.execute(stmt)}

    def last_instrument_id(self) -> int:
        """Return the id of the newest stored instrument (0 if none)."""
        t = table("instrument").c
        return int(self.session.execute(select(func.max(t.id))).scalar_one() or 0)

    def instrument_keys(self, loose_keys: Sequence[str], *, upto: int) -> dict[str, str]:
        """Return loose key (instrument.loose_key) -> identity key of the stored instruments
        with these loose keys and an id up to `upto`; the oldest wins when two are alike."""
        t = table("instrument").c
        stmt = (
            select(t.loose_key, t.identity_key)
            .where(among(self.session, t.loose_key, sorted(set(loose_keys))), t.id <= upto)
            .order_by(t.id)
        )
        out: dict[str, str] = {}
        for r in self.session.execute(stmt):
            out.setdefault(r[0], r[1])
        return out

    def sites(self) -> dict[tuple[int, str], int]:
        """Return (unit id, normalised name) -> site id."""
        t = table("site").c
        stmt = select(t.id, t.unit_id, t.name).order_by(t.id)
        out: dict[tuple[int, str], int] = {}
        rows: Sequence[Row[Any]] = self.session.execute(stmt).all()
        for r in rows:
            out.setdefault((r.unit_id, norm(r.name)), r.id)
        return out

    def instruments(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Return identity key -> stored values (with id and unit path) for these keys."""
        inst, site, unit = table("instrument"), table("site"), table("admin_unit")
        cols = [inst.c[c] for c in ("id", "identity_key", *UPDATABLE, *READ_ONLY)]
        stmt = (
            select(*cols, unit.c.path)
            .select_from(inst)
            .join(site, site.c.id == inst.c.site_id)
            .join(unit, unit.c.id == site.c.unit_id)
            .where(among(self.session, inst.c.identity_key, keys))
        )
        return {r.identity_key: dict(r._mapping) for r in self.session.execute(stmt)}

    def verification_dates(self, instrument_ids: Sequence[int]) -> dict[int, set[date]]:
        """Return instrument id -> the dates of its verifications on record (any kind)."""
        v = table("verification").c
        ids = among(self.session, v.instrument_id, instrument_ids)
        stmt = select(v.instrument_id, v.verified_on).where(ids)
        out: dict[int, set[date]] = {}
        rows: Sequence[Row[Any]] = self.session.execute(stmt).all()
        for r in rows:
            out.setdefault(int(r.instrument_id), set()).add(r.verified_on)
        return out

    def load_instruments(self, ids: Sequence[int]) -> dict[int, Instrument]:
        """Return instruments by id as ORM objects, refreshed (bulk writes bypass the ORM)."""
        stmt = (
            sm_select(Instrument)
            .where(col(Instrument.id).in_(list(ids)))
            .execution_options(populate_existing=True)
        )
        return {i.id: i for i in self.session.exec(stmt) if i.id is not None}

    def instrument_states(self, ids: Sequence[int]) -> dict[int, InstrumentState]:
        """Return what the lifecycle judges of each instrument, by id, read fresh (no ORM)."""
        inst = table("instrument").c
        stmt = select(
            inst.id,
            inst.type_code,
            inst.site_id,
            inst.status,
            inst.due_date,
            inst.last_verified_on,
            inst.updated_at,
        ).where(among(self.session, inst.id, set(ids)))
        return {r.id: InstrumentState(**r._mapping) for r in self.session.execute(stmt)}

    def update_states(self, states: list[InstrumentState]) -> None:
        """Store the status, due date and last verification the lifecycle set, in one batched
        UPDATE; ORM copies of these instruments in the session are expired (read again)."""
        if not states:
            return
        names = ("id", "status", "due_date", "last_verified_on", "updated_at")
        params = [dict(zip(names, (s.id, *s.row()), strict=True)) for s in states]
        update_rows(self.session, table("instrument"), params)
        changed = {s.id for s in states}
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, Instrument) and obj.id in changed:
                self.session.expire(obj)

    def insert_ids(self, name: str, rows: list[dict[str, Any]]) -> list[int]:
        """Insert rows with executemany and return their ids in the rows' order."""
        if not rows:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            # Ids from the sequence up front keep the plain executemany path: an ordered
            # RETURNING makes psycopg parse one huge statement per batch (10x slower).
            allocate = text(
                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
            )
            got: Sequence[Any] = (
                self.session.execute(allocate, {"t": name, "n": len(rows)}).scalars().all()
            )
            ids = [int(i) for i in got]
            self.insert_many(name, [r | {"id": i} for r, i in zip(rows, ids, strict=True)])
            return ids
        target = table(name)
        if self.session.get_bind().dialect.name == "sqlite":
            # An ordered RETURNING runs one statement per row on SQLite. A new row gets
            # max(id) + 1 and this transaction holds the write lock from its first insert, so
            # the rows just inserted hold the last len(rows) ids, in order.
            self.insert_many(name, rows)
            last = int(self.session.execute(select(func.max(target.c.id))).scalar_one())
            return list(range(last - len(rows) + 1, last + 1))
        stmt = insert(target).returning(target.c.id, sort_by_parameter_order=True)
        returned: Sequence[Any] = self.session.execute(stmt, rows).scalars().all()
        return [int(i) for i in returned]

    def insert_many(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Insert rows with executemany (core.bulk: the least work per row)."""
        insert_rows(self.session, table(name), rows)

    def update_instruments(self, rows: list[dict[str, Any]]) -> None:
        """Update instruments by id with executemany; each row carries every UPDATABLE column."""
        if not rows:
            return
        inst = table("instrument")
        stmt = (
            update(inst)
            .where(inst.c.id == bindparam("b_id"))
            .values({c: bindparam(f"b_{c}") for c in (*UPDATABLE, "updated_at")})
        )
        params = [{f"b_{k}": v for k, v in row.items()} for row in rows]
        self.session.execute(stmt, params)

    def export_rows(
        self, flt: InstrumentFilter
    ) -> Iterator[tuple[Instrument, Owner, Site, AdminUnit]]:
        """Yield matching instruments with their owner, site and unit, by id, in batches."""
        ids = InstrumentRepository(self.session).filtered(flt).with_only_columns(col(Instrument.id))
        stmt = (
            sm_select(Instrument, Owner, Site, AdminUnit)
            .join(Owner, col(Owner.id) == Instrument.owner_id)
            .join(Site, col(Site.id) == Instrument.site_id)
            .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
            .where(col(Instrument.id).in_(ids.scalar_subquery()))
            .order_by(col(Instrument.id))
            .execution_options(yield_per=2000)
        )
        for row in self.session.exec(stmt):
            yield row[0], row[1], row[2], row[3]
