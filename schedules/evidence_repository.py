"""Set-based notices from the control-scale evidence: suspect sellers and silent or failing scales.

Reads the tables of metrology_svc.readings (inspection requests, devices) and writes notices
through the same INSERT … SELECT … ON CONFLICT DO NOTHING as the due scan.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from metrology_svc.instruments.models import Instrument
from metrology_svc.notices.models import Notice, NoticeKind
from metrology_svc.notices.repository import NoticeRepository, notice_row, ts
from metrology_svc.owners.models import Owner
from metrology_svc.readings.models import Device, InspectionRequest


def _day(column: Any) -> Any:
    # date(x) is a function on SQLite and a cast on PostgreSQL: the calendar day in UTC.
    return func.date(column)


class EvidenceNoticeRepository:
    """Creates notices for inspection requests and control scales."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.notices = NoticeRepository(session)

    def insert_suspect_sellers(self, *, now: datetime) -> int:
        """Notify the inspectors of every open inspection request, then mark it notified."""
        kind = NoticeKind.SUSPECT_SELLER
        day = _day(InspectionRequest.created_at)
        stmt = (
            sa_select(*notice_row(kind, day, 0, Owner.language, now))
            .join(InspectionRequest, col(InspectionRequest.instrument_id) == Instrument.id)
            .join(Owner, col(Owner.id) == Instrument.owner_id)
            .where(col(InspectionRequest.status) == "open")
        )
        created = self.notices.insert_notices(stmt)
        notified = exists().where(
            col(Notice.kind) == kind.value,
            col(Notice.instrument_id) == InspectionRequest.instrument_id,
            col(Notice.due_date) == _day(InspectionRequest.created_at),
        )
        mark = (
            update(InspectionRequest)
            .where(col(InspectionRequest.status) == "open", notified)
            .values(status="notified", notified_at=ts(now))
            .execution_options(synchronize_session=False)
        )
        self.session.execute(mark)
        return created

    def online_devices_heard(self, *, since: datetime) -> tuple[int, int]:
        """Return how many online devices were ever heard from, and how many since the time."""
        online = (
            sa_select(func.count())
            .select_from(Device)
            .where(
                col(Device.offline).is_(False),
                col(Device.retired_at).is_(None),
                col(Device.last_received_at).is_not(None),
            )
        )
        ever = int(self.session.execute(online).scalar_one())
        heard = online.where(col(Device.last_received_at) >= since)
        return ever, int(self.session.execute(heard).scalar_one())

    def insert_control_scales(self, *, now: datetime) -> int:
        """Notify the market board and the office of silent or out-of-tolerance control scales.

        One notice per instrument and episode: the key's date is the day the episode began,
        the earliest among the instrument's devices. A scale read by two devices (both
        distrusted by one failed self-check, or both silent) gets one notice, not two.
        """
        created = 0
        for kind, since, condition in [
            (
                NoticeKind.CONTROL_OFFLINE,
                func.coalesce(Device.last_received_at, Device.created_at),
                col(Device.offline).is_(True),
            ),
            (
                NoticeKind.CONTROL_OUT_OF_TOLERANCE,
                Device.untrusted_since,
                col(Device.untrusted_since).is_not(None),
            ),
        ]:
            episodes = (
                sa_select(
                    col(Device.instrument_id).label("instrument_id"),
                    func.min(since).label("since"),
                )
                .where(condition, col(Device.retired_at).is_(None))
                .group_by(col(Device.instrument_id))
                .subquery("episodes")
            )
            stmt = (
                sa_select(*notice_row(kind, _day(episodes.c.since), 0, Owner.language, now))
                .select_from(Instrument)
                .join(episodes, episodes.c.instrument_id == Instrument.id)
                .join(Owner, col(Owner.id) == Instrument.owner_id)
            )
            created += self.notices.insert_notices(stmt)
        return created
