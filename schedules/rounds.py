"""Verification rounds: group due instruments by site and fit site visits into inspectors' days."""

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from openpyxl import Workbook


@dataclass(frozen=True)
class SiteLoad:
    """A site with instruments to verify."""

    site_id: int
    site_name: str
    unit_path: str
    instruments: int
    earliest_due: date


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
    """One inspector at one site on one day, verifying a number of instruments."""

    day: date
    inspector_id: int
    inspector: str
    site_id: int
    site_name: str
    instruments: int


@dataclass
class Plan:
    """The proposed round: visits, and what did not fit in the window."""

    visits: list[Visit] = field(default_factory=list)
    unplanned: dict[int, int] = field(default_factory=dict)  # site id -> instruments left


def working_days(first: date, last: date) -> list[date]:
    """Return Monday to Friday between two dates, inclusive."""
    count = (last - first).days + 1
    return [d for d in (first + timedelta(days=i) for i in range(count)) if d.weekday() < 5]


def plan_rounds(
    sites: list[SiteLoad], inspectors: list[Inspector], *, first: date, last: date, capacity: int
) -> Plan:
    """Propose visits: most urgent sites first, each day's load within each inspector's capacity.

    A site larger than a day's capacity continues on the next day (or with another inspector).
    """
    days = working_days(first, last)
    left = {(d, i.user_id): capacity for d in days for i in inspectors}
    plan = Plan()
    for site in sorted(sites, key=lambda s: (s.earliest_due, s.site_id)):
        remaining = site.instruments
        able = [i for i in inspectors if i.covers(site.unit_path)]
        for day in days:
            for inspector in sorted(able, key=lambda i: (-left[(day, i.user_id)], i.user_id)):
                take = min(remaining, left[(day, inspector.user_id)])
                if take <= 0:
                    continue
                left[(day, inspector.user_id)] -= take
                remaining -= take
                plan.visits.append(
                    Visit(
                        day, inspector.user_id, inspector.name, site.site_id, site.site_name, take
                    )
                )
            if remaining == 0:
                break
        if remaining:
            plan.unplanned[site.site_id] = remaining
    plan.visits.sort(key=lambda v: (v.day, v.inspector_id, v.site_id))
    return plan


def plan_to_xlsx(plan: Plan, sites: list[SiteLoad]) -> bytes:
    """Return the plan as an XLSX workbook (visits, then what did not fit)."""
    names = {s.site_id: s.site_name for s in sites}
    book = Workbook()
    sheet = book.active
    sheet.title = "Lịch kiểm định"
    sheet.append(
        ["Ngày / Date", "Kiểm định viên / Inspector", "Địa điểm / Site", "Số PTĐ / Instruments"]
    )
    for v in plan.visits:
        sheet.append([v.day, v.inspector, v.site_name, v.instruments])
    rest = book.create_sheet("Chưa xếp lịch")
    rest.append(["Địa điểm / Site", "Số PTĐ còn lại / Instruments left"])
    for site_id, left in sorted(plan.unplanned.items()):
        rest.append([names.get(site_id, str(site_id)), left])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
