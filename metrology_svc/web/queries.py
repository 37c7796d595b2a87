"""Queries only the pages need: the notices ledger within the user's units."""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from metrology_svc.core.scope import under_any
from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice, NoticeDelivery
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit


@dataclass
class LedgerRow:
    """A notice with its instrument's serial and the last attempt on each channel."""

    notice: Notice
    serial: str
    deliveries: list[NoticeDelivery]

    @property
    def resendable(self) -> bool:
        """Tell whether some channel's last attempt failed."""
        return any(d.status in ("failed", "given_up") for d in self.deliveries)


def notices_ledger(
    session: Session,
    paths: tuple[str, ...] | None,
    *,
    kind: str | None,
    offset: int,
    limit: int,
) -> tuple[list[LedgerRow], int]:
    """Return a page of notices about instruments under the unit paths, newest first."""
    stmt = (
        select(Notice, Instrument.serial)
        .join(Instrument, col(Instrument.id) == Notice.instrument_id)
        .join(Site, col(Site.id) == Instrument.site_id)
        .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
    )
    if paths is not None:
        stmt = stmt.where(under_any(col(AdminUnit.path), paths))
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(col(Notice.id).desc()).offset(offset).limit(limit)))
    ids = [n.id for n, _ in rows]
    latest: dict[tuple[int, str, str], NoticeDelivery] = {}
    if ids:
        found = session.exec(select(NoticeDelivery).where(col(NoticeDelivery.notice_id).in_(ids)))
        for d in found:
            key = (d.notice_id, str(d.channel), d.destination)
            if key not in latest or d.attempt > latest[key].attempt:
                latest[key] = d
    by_notice: dict[int, list[NoticeDelivery]] = {}
    for (notice_id, _c, _d), delivery in sorted(latest.items()):
        by_notice.setdefault(notice_id, []).append(delivery)
    return [LedgerRow(n, str(s), by_notice.get(n.id or 0, [])) for n, s in rows], int(total)
