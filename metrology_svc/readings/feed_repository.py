"""Queries of a market's live feed: where its two sequences end and how much lies between.

The feed's position is a pair of ids: the last consumer check and inspection request sent
(metrology_svc.readings.feed.Cursor is such a pair). Checks are counted through the partial
index on (site_id, id) of consumer checks, so a count over a long absence reads the index only.
"""

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from metrology_svc.readings.models import InspectionRequest, Reading


def _checks(site_id: int) -> Any:
    return select(func.count()).where(
        Reading.site_id == site_id, col(Reading.seller_ref).is_not(None)
    )


def _requests(site_id: int) -> Any:
    return select(func.count()).where(InspectionRequest.site_id == site_id)


class FeedRepository:
    """Reads the ends of a market's feed and counts what a reconnecting client missed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def newest(self, site_id: int) -> tuple[int, int]:
        """Return the ids of the site's newest consumer check and inspection request (0: none)."""
        check = select(func.max(Reading.id)).where(
            Reading.site_id == site_id, col(Reading.seller_ref).is_not(None)
        )
        request = select(func.max(InspectionRequest.id)).where(InspectionRequest.site_id == site_id)
        return self.session.exec(check).one() or 0, self.session.exec(request).one() or 0

    def count_between(
        self, site_id: int, *, after: tuple[int, int], upto: tuple[int, int] | None = None
    ) -> tuple[int, int]:
        """Return how many checks and requests have ids above `after` (and at most `upto`)."""
        checks = _checks(site_id).where(col(Reading.id) > after[0])
        requests = _requests(site_id).where(col(InspectionRequest.id) > after[1])
        if upto is not None:
            checks = checks.where(col(Reading.id) <= upto[0])
            requests = requests.where(col(InspectionRequest.id) <= upto[1])
        return int(self.session.exec(checks).one()), int(self.session.exec(requests).one())
