"""Verification rounds: instruments by urgency, sites by priority, inspector-days by commune.

The rules, stated once:

- An instrument's urgency, most urgent first: failed verification; overdue (its due date before
  the window's first day, or found on inspection without a valid verification; the older the
  due date, the more urgent); falling due inside the window (the earlier, the more urgent);
  never verified (registered, no verification yet).
- A site's priority is the sum of its instruments' weights (failed 4, overdue 3, due in the
  window 2, never verified 1), so a market is brought forward by how much there is to do and
  how urgent it is, never by one old instrument alone; ties go to the site whose most urgent
  instrument is the more urgent, then to the lower site id.
- Working days are Monday to Friday, less Vietnam's public holidays (the `holidays` package's
  calendar, Tết included) and the days off an office declares: a day off declared for a unit
  closes that unit and everything under it.
- One inspector's day stays in one commune (the site's unit): a day is bound to the commune of
  its first visit, and only sites of that commune fill what is left of it. A site larger than a
  day's capacity continues the next day or with another inspector; inside a site the most urgent
  instruments are taken first, so what does not fit is the least urgent.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum

import holidays

# Status of an instrument found on inspection without a valid verification ("không được sử
# dụng"): in every round until verified, whatever its due date says.
NOT_TO_BE_USED = "not_to_be_used"
# A day off closing every unit (a public holiday): the empty path is a prefix of every path.
EVERYWHERE = ""


class Urgency(IntEnum):
    """Why an instrument is in the round, most urgent first."""

    FAILED = 0
    OVERDUE = 1
    DUE = 2
    NEVER_VERIFIED = 3


WEIGHTS = {Urgency.FAILED: 4, Urgency.OVERDUE: 3, Urgency.DUE: 2, Urgency.NEVER_VERIFIED: 1}


@dataclass(frozen=True)
class RoundInstrument:
    """An instrument a round has to verify, with what the plan prints about it."""

    instrument_id: int
    type_name: str
    serial: str
    owner: str
    stall: str  # the stall's trade name when the owner has one, else ""
    status: str
    due_date: date | None


@dataclass(frozen=True)
class SiteLoad:
    """A site with instruments to verify."""

    site_id: int
    site_name: str
    address: str
    unit_id: int  # the site's commune: an inspector's day stays in one
    unit_path: str
    commune: str
    instruments: tuple[RoundInstrument, ...]


@dataclass(frozen=True)
class Inspector:
    """An inspector and the unit paths of their jurisdiction."""

    user_id: int
    name: str
    unit_paths: tuple[str, ...]

    def covers(self, path: str) -> bool:
        """Tell whether the inspector may work at a place under this path."""
        return any(path.startswith(p) for p in self.unit_paths)


@dataclass(frozen=True)
class Visit:
    """One inspector at one site on one day, verifying some of the site's instruments."""

    day: date
    inspector_id: int
    inspector: str
    site_id: int
    site_name: str
    unit_id: int
    instrument_ids: tuple[int, ...]

    @property
    def instruments(self) -> int:
        """Return how many instruments the visit verifies."""
        return len(self.instrument_ids)


@dataclass
class Plan:
    """The proposed round: visits, and what did not fit in the window."""

    visits: list[Visit] = field(default_factory=list)
    unplanned: dict[int, tuple[int, ...]] = field(default_factory=dict)  # site id -> instruments


def urgency(item: RoundInstrument, *, first: date) -> Urgency:
    """Return why an instrument is in a round that starts on a day."""
    if item.status == "failed":
        return Urgency.FAILED
    if item.status == NOT_TO_BE_USED:
        # Found on inspection without a valid verification: out of use, like an overdue one.
        return Urgency.OVERDUE
    if item.due_date is None:
        return Urgency.NEVER_VERIFIED
    return Urgency.OVERDUE if item.due_date < first else Urgency.DUE


def instrument_key(item: RoundInstrument, *, first: date) -> tuple[int, date, int]:
    """Return an instrument's sort key, most urgent first (older due dates first in a class)."""
    return (urgency(item, first=first), item.due_date or date.max, item.instrument_id)


def site_score(site: SiteLoad, *, first: date) -> int:
    """Return a site's priority score: the sum of its instruments' urgency weights."""
    return sum(WEIGHTS[urgency(i, first=first)] for i in site.instruments)


def site_key(site: SiteLoad, *, first: date) -> tuple[int, tuple[int, date, int], int]:
    """Return a site's sort key, highest priority first."""
    best = min((instrument_key(i, first=first) for i in site.instruments), default=(9, date.max, 0))
    return (-site_score(site, first=first), best, site.site_id)


def public_holidays(first: date, last: date) -> dict[date, str]:
    """Return Vietnam's public holidays (days off) between two dates, with their names."""
    years = range(first.year, last.year + 1)
    calendar = holidays.country_holidays("VN", years=years, language="vi")
    return {d: str(name) for d, name in sorted(calendar.items()) if first <= d <= last}


def working_days(
    first: date, last: date, closed: Mapping[date, Sequence[str]] | None = None
) -> list[date]:
    """Return Monday to Friday between two dates, inclusive, less the days closed everywhere."""
    closed = closed or {}
    count = (last - first).days + 1
    days = (first + timedelta(days=i) for i in range(count))
    return [d for d in days if d.weekday() < 5 and EVERYWHERE not in closed.get(d, ())]


def _open(closed: Mapping[date, Sequence[str]], day: date, path: str) -> bool:
    return not any(path.startswith(p) for p in closed.get(day, ()))


def plan_rounds(
    sites: Sequence[SiteLoad],
    inspectors: Sequence[Inspector],
    *,
    first: date,
    last: date,
    capacity: int,
    closed: Mapping[date, Sequence[str]] | None = None,
) -> Plan:
    """Propose visits: sites by priority, each inspector-day in one commune and within capacity.

    `closed` maps a day to the unit paths closed on it (EVERYWHERE for a public holiday).
    """
    closed = closed or {}
    days = working_days(first, last, closed)
    left = {(d, i.user_id): capacity for d in days for i in inspectors}
    bound: dict[tuple[date, int], int] = {}  # inspector-day -> the commune it works in
    plan = Plan()
    for site in sorted(sites, key=lambda s: site_key(s, first=first)):
        todo = [
            i.instrument_id
            for i in sorted(site.instruments, key=lambda i: instrument_key(i, first=first))
        ]
        able = [i for i in inspectors if i.covers(site.unit_path)]
        for day in (d for d in days if _open(closed, d, site.unit_path)):
            # Days already working in this commune first, then the freest.
            order = sorted(
                able,
                key=lambda i: (
                    bound.get((day, i.user_id)) != site.unit_id,
                    -left[(day, i.user_id)],
                    i.user_id,
                ),
            )
            for inspector in order:
                slot = (day, inspector.user_id)
                if bound.get(slot, site.unit_id) != site.unit_id or left[slot] <= 0 or not todo:
                    continue
                take, todo = todo[: left[slot]], todo[left[slot] :]
                left[slot] -= len(take)
                bound[slot] = site.unit_id
                plan.visits.append(
                    Visit(
                        day,
                        inspector.user_id,
                        inspector.name,
                        site.site_id,
                        site.site_name,
                        site.unit_id,
                        tuple(take),
                    )
                )
            if not todo:
                break
        if todo:
            plan.unplanned[site.site_id] = tuple(todo)
    plan.visits.sort(key=lambda v: (v.day, v.inspector_id, v.site_id))
    return plan


WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class DayOff:
    """A weekday with no visits in the round's unit (or in part of it)."""

    day: date
    reason: str
    unit_name: str = ""  # the unit an office's day off closes; "" for a public holiday


@dataclass(frozen=True)
class RoundBook:
    """Everything a printed round shows: the unit, the window, the plan and its days off."""

    unit_name: str
    first: date
    last: date
    capacity: int
    inspectors: int
    sites: Sequence[SiteLoad]
    plan: Plan
    days_off: Sequence[DayOff]

    def site(self, site_id: int) -> SiteLoad:
        """Return a site of the round."""
        return next(s for s in self.sites if s.site_id == site_id)

    def instruments(self, site_id: int, ids: Sequence[int]) -> list[RoundInstrument]:
        """Return some of a site's instruments, in the order given."""
        by_id = {i.instrument_id: i for i in self.site(site_id).instruments}
        return [by_id[i] for i in ids]

    def days(self) -> list[tuple[date, list[Visit]]]:
        """Return the planned days with their visits (by inspector, then site)."""
        out: dict[date, list[Visit]] = {}
        for visit in self.plan.visits:
            out.setdefault(visit.day, []).append(visit)
        return sorted(out.items())


def day_label(day: date) -> str:
    """Return a day as a plan names it: "Thứ Hai, 01/03/2027"."""
    return f"{WEEKDAYS_VI[day.weekday()]}, {day:%d/%m/%Y}"


def reason_vi(item: RoundInstrument, *, first: date) -> str:
    """Return why an instrument is in the round, as the plan prints it."""
    kind = urgency(item, first=first)
    if kind is Urgency.FAILED:
        return "Không đạt kiểm định"
    if item.status == NOT_TO_BE_USED:
        return "Không được sử dụng (phát hiện khi kiểm tra)"
    if kind is Urgency.NEVER_VERIFIED or item.due_date is None:
        return "Chưa kiểm định lần nào"
    if kind is Urgency.OVERDUE:
        return f"Quá hạn {(first - item.due_date).days} ngày"
    return "Đến hạn trong đợt"
