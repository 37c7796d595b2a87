"""Queries on devices, readings, self-checks, dead letters, sellers and inspection requests."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from metrology_svc.core.scope import under_any
from metrology_svc.instruments.models import Instrument
from metrology_svc.readings import bulk
from metrology_svc.readings.bulk import Key as Key  # (device, boot, seq)
from metrology_svc.readings.models import (
    DEVICE_MQTT,
    Device,
    InspectionRequest,
    Reading,
    Seller,
)
from metrology_svc.sites.models import Site
from metrology_svc.stamps.models import Stamp
from metrology_svc.units.models import AdminUnit
from metrology_svc.verifications.models import Verification, VerificationResult


class ReadingRepository:
    """Reads and writes what connected control scales send."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert_new(
        self, table_name: str, rows: Sequence[dict[str, Any]], *, other: str
    ) -> dict[Key, int]:
        # INSERT … ON CONFLICT DO NOTHING RETURNING: a redelivered message is absorbed by the
        # unique (device, boot, seq) key, a key the other kind holds is skipped, and only the
        # rows really inserted come back.
        tables = SQLModel.metadata.tables
        _, new = bulk.insert_new(
            self.session.connection(),
            tables[table_name],
            rows,
            returning=True,
            unless_in=tables[other],
        )
        return {(r.device_id, r.boot, r.seq): r.id for r in new}

    def insert_readings(self, rows: Sequence[dict[str, Any]]) -> dict[Key, int]:
        """Insert readings, skipping keys already stored (either kind); return the new ids."""
        return self._insert_new("reading", rows, other="selfcheck")

    def insert_plain_readings(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert readings that need no ids back, skipping stored keys; return how many are new."""
        tables = SQLModel.metadata.tables
        count, _ = bulk.insert_new(
            self.session.connection(),
            tables["reading"],
            rows,
            returning=False,
            unless_in=tables["selfcheck"],
        )
        return count

    def insert_selfchecks(self, rows: Sequence[dict[str, Any]]) -> dict[Key, int]:
        """Insert self-checks, skipping keys already stored (either kind); return the new ids."""
        return self._insert_new("selfcheck", rows, other="reading")

    def stored_digests(self, table_name: str, keys: Sequence[Key]) -> dict[Key, bytes | None]:
        """Return the payload digest stored under each of these keys that the table holds."""
        table = SQLModel.metadata.tables[table_name]
        rows = bulk.stored(self.session.connection(), table, keys, "payload_sha256")
        return {(d, b, s): digest for d, b, s, digest in rows}

    def add_dead_letters(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert dead letters not stored yet (by their message_sha256); return how many are new.

        A message redelivered after a crash, or sent again, is the same dead letter: the row
        stays as first set aside.
        """
        if not rows:
            return 0
        table = SQLModel.metadata.tables["dead_letter"]
        count, _ = bulk.insert_new(
            self.session.connection(), table, rows, returning=False, unique=("message_sha256",)
        )
        return count

    def scale_devices(self, ids: Iterable[str]) -> list[Device]:
        """Return the active devices with these ids and every other active device of their scales.

        Trust belongs to the control scale, so a batch needs all of a scale's devices (one
        query, as for the batch's own devices).
        """
        wanted = list(set(ids))
        if not wanted:
            return []
        active = col(Device.retired_at).is_(None)
        scales = select(Device.instrument_id).where(col(Device.id).in_(wanted), active)
        stmt = select(Device).where(col(Device.instrument_id).in_(scales), active)
        return list(self.session.exec(stmt))

    def scale_untrusted_since(self, instrument_id: int) -> datetime | None:
        """Return since when a control scale is distrusted (its devices' earliest), if it is."""
        stmt = select(func.min(Device.untrusted_since)).where(
            Device.instrument_id == instrument_id, col(Device.retired_at).is_(None)
        )
        return self.session.exec(stmt).one()

    def device(self, device_id: str) -> Device | None:
        """Return one device."""
        return self.session.get(Device, device_id)

    def add(self, obj: Device | Seller | InspectionRequest) -> None:
        """Stage a new row."""
        self.session.add(obj)

    def instruments(self, ids: Iterable[int]) -> dict[int, Instrument]:
        """Return instruments by id."""
        stmt = select(Instrument).where(col(Instrument.id).in_(list(set(ids))))
        return {i.id or 0: i for i in self.session.exec(stmt)}

    def passed_verification_since(self, instrument_id: int, since: datetime) -> bool:
        """Tell whether the instrument passed a verification recorded after the time."""
        stmt = select(Verification.id).where(
            Verification.instrument_id == instrument_id,
            Verification.result == VerificationResult.PASS,
            col(Verification.created_at) > since,
        )
        return self.session.exec(stmt.limit(1)).first() is not None

    def sellers_for(
        self, keys: Sequence[tuple[int, str, str]]
    ) -> dict[tuple[int, str, str], Seller]:
        """Return the sellers with these (site, kind, reference) keys."""
        if not keys:
            return {}
        stmt = select(Seller).where(
            col(Seller.site_id).in_({k[0] for k in keys}), col(Seller.ref).in_({k[2] for k in keys})
        )
        found = {(s.site_id, s.ref_kind, s.ref): s for s in self.session.exec(stmt)}
        return {k: found[k] for k in keys if k in found}

    def instrument_at_site(self, site_id: int, ref_kind: str, ref: str) -> int | None:
        """Return the seller's instrument at the site: by stamp serial, else by its own serial."""
        if ref_kind == "stamp":
            by_stamp = (
                select(Stamp.instrument_id)
                .join(Instrument, col(Instrument.id) == Stamp.instrument_id)
                .where(func.upper(Stamp.serial) == ref.upper(), Instrument.site_id == site_id)
            )
            found = self.session.exec(by_stamp.limit(1)).first()
            if found is not None:
                return found
        stmt = select(Instrument.id).where(
            Instrument.site_id == site_id,
            func.lower(Instrument.serial) == ref.lower(),
            col(Instrument.retired_at).is_(None),
        )
        return self.session.exec(stmt.limit(1)).first()

    def short_ids_since(self, seller: Seller, since: datetime) -> list[int]:
        """Return the ids of the seller's trusted short checks measured since the time."""
        stmt = select(Reading.id).where(
            Reading.site_id == seller.site_id,
            Reading.seller_ref == seller.ref,
            Reading.seller_ref_kind == seller.ref_kind,
            col(Reading.short).is_(True),
            col(Reading.trusted).is_(True),
            col(Reading.measured_at) >= since,
        )
        return [i for i in self.session.exec(stmt.order_by(col(Reading.id))) if i is not None]

    def open_request(self, instrument_id: int) -> InspectionRequest | None:
        """Return the open inspection request of an instrument."""
        stmt = select(InspectionRequest).where(InspectionRequest.open_key == instrument_id)
        return self.session.exec(stmt).first()

    def sellers_at(self, site_id: int) -> list[Seller]:
        """Return a site's sellers, most short-weighing first."""
        stmt = select(Seller).where(Seller.site_id == site_id)
        stmt = stmt.order_by(col(Seller.shortfalls).desc(), col(Seller.id))
        return list(self.session.exec(stmt))

    def seller_by_id(self, seller_id: int) -> Seller | None:
        """Return a seller by id."""
        return self.session.get(Seller, seller_id)

    def seller_checks(self, seller: Seller, *, only_short: bool, limit: int) -> list[Reading]:
        """Return a seller's latest checks (optionally only the short ones)."""
        stmt = select(Reading).where(
            Reading.site_id == seller.site_id,
            Reading.seller_ref == seller.ref,
            Reading.seller_ref_kind == seller.ref_kind,
        )
        if only_short:
            stmt = stmt.where(col(Reading.short).is_(True))
        return list(self.session.exec(stmt.order_by(col(Reading.id).desc()).limit(limit)))

    def checks_after(self, site_id: int, after_id: int, limit: int) -> list[Reading]:
        """Return a site's consumer checks with ids above after_id, oldest first."""
        stmt = select(Reading).where(
            Reading.site_id == site_id,
            col(Reading.id) > after_id,
            col(Reading.seller_ref).is_not(None),
        )
        return list(self.session.exec(stmt.order_by(col(Reading.id)).limit(limit)))

    def last_check_id(self, site_id: int, back: int) -> int:
        """Return the id before a site's last `back` consumer checks (0 if fewer)."""
        stmt = select(Reading.id).where(
            Reading.site_id == site_id, col(Reading.seller_ref).is_not(None)
        )
        ids = list(self.session.exec(stmt.order_by(col(Reading.id).desc()).limit(back + 1)))
        return (ids[-1] or 0) if len(ids) > back else 0

    def last_request_id(self, site_id: int, back: int) -> int:
        """Return the id before a site's last `back` inspection requests (0 if fewer)."""
        stmt = select(InspectionRequest.id).where(InspectionRequest.site_id == site_id)
        ids = list(
            self.session.exec(stmt.order_by(col(InspectionRequest.id).desc()).limit(back + 1))
        )
        return (ids[-1] or 0) if len(ids) > back else 0

    def request_by_id(self, request_id: int) -> InspectionRequest | None:
        """Return an inspection request."""
        return self.session.get(InspectionRequest, request_id)

    def requests(
        self, *, site_ids: Sequence[int] | None, status: str | None, after_id: int, limit: int
    ) -> list[InspectionRequest]:
        """Return inspection requests, oldest first, optionally of some sites or one status."""
        stmt = select(InspectionRequest).where(col(InspectionRequest.id) > after_id)
        if site_ids is not None:
            stmt = stmt.where(col(InspectionRequest.site_id).in_(list(site_ids)))
        if status is not None:
            stmt = stmt.where(InspectionRequest.status == status)
        return list(self.session.exec(stmt.order_by(col(InspectionRequest.id)).limit(limit)))

    def devices_at(self, site_ids: Sequence[int] | None) -> list[Device]:
        """Return active connected devices (no paper logs), optionally of some sites."""
        stmt = select(Device).where(
            col(Device.retired_at).is_(None), col(Device.kind) == DEVICE_MQTT
        )
        if site_ids is not None:
            stmt = stmt.where(col(Device.site_id).in_(list(site_ids)))
        return list(self.session.exec(stmt.order_by(col(Device.id))))

    def all_devices(self) -> list[Device]:
        """Return every active device (for the broker's password and ACL files)."""
        return self.devices_at(None)

    def silent_devices(self, before: datetime) -> list[Device]:
        """Return online devices whose last message arrived before the time."""
        stmt = select(Device).where(
            col(Device.offline).is_(False),
            col(Device.retired_at).is_(None),
            col(Device.last_received_at) < before,
        )
        return list(self.session.exec(stmt))


def in_paths(stmt: Any, site_id_column: Any, paths: tuple[str, ...] | None) -> Any:
    """Join the site and its unit and keep those under the paths (None: every unit)."""
    stmt = stmt.join(Site, col(Site.id) == site_id_column).join(
        AdminUnit, col(AdminUnit.id) == Site.unit_id
    )
    return stmt if paths is None else stmt.where(under_any(col(AdminUnit.path), paths))


def devices_within(session: Session, paths: tuple[str, ...] | None) -> list[Device]:
    """Return the active connected devices at sites under the unit paths (None: everywhere)."""
    stmt = in_paths(select(Device), Device.site_id, paths)
    stmt = stmt.where(col(Device.retired_at).is_(None), col(Device.kind) == DEVICE_MQTT)
    stmt = stmt.order_by(col(Device.id))
    return list(session.exec(stmt))


def latest_shortfalls_within(
    session: Session, paths: tuple[str, ...] | None, *, limit: int
) -> list[Reading]:
    """Return the newest checks short under a binding table within the paths, newest first."""
    stmt = in_paths(select(Reading), Reading.site_id, paths)
    stmt = stmt.where(col(Reading.short).is_(True)).order_by(col(Reading.id).desc()).limit(limit)
    return list(session.exec(stmt))
