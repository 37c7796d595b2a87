"""Property: after a rehome run every site has exactly one place to be, and records keep theirs.

Each example builds a random pre-2025 district (made-up codes under a 2004 district 998 of
Hà Tĩnh) whose communes went whole into one 2025 commune, were split between two or three
(with or without a main part), or have no succession recorded; sites sit on those communes,
on the district or on the province, with or without an address and coordinates, each with an
inspection made there. After a run, every site in use is in a unit of the scheme in force, or
has exactly one open case, or is listed as having no succession; no inspection's unit
changes; a second run changes nothing.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, col, select

from metrology_svc.inspections.models import Inspection
from metrology_svc.rehoming.models import CaseStatus, RehomeCase
from metrology_svc.rehoming.service import rehome
from metrology_svc.sites.models import Site, SiteKind, SiteMove
from metrology_svc.units.models import AdminUnit, SuccessionShare, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.schemas import AdminUnitCreate
from metrology_svc.units.service import create_unit
from tests.factories import World
from tests.metrology_svc.rehoming.support import succeed, unit

NEW = ["18754", "18781", "18823", "18832", "18073", "18406"]  # 2025 communes of Hà Tĩnh
ADDRESSES = [
    "",
    "Phường Sông Trí, tỉnh Hà Tĩnh",
    "Tổ dân phố 2, phường Hải Ninh, tỉnh Hà Tĩnh",
    "Thị trấn Nghèn, Huyện Can Lộc, Hà Tĩnh",  # old-style, went whole into Xã Can Lộc
    "Chợ đầu mối",
]


@dataclass(frozen=True)
class Fate:
    """Where an old commune went: its 2025 successors, whole or split, and the main part."""

    targets: tuple[int, ...]  # indexes into NEW
    default: int | None  # index into targets


fates = st.one_of(
    st.builds(lambda t: Fate((t,), 0), st.integers(0, len(NEW) - 1)),  # whole
    st.builds(
        lambda ts, d: Fate(tuple(ts), d if d is None else d % len(ts)),
        st.lists(st.integers(0, len(NEW) - 1), min_size=2, max_size=3, unique=True),
        st.none() | st.integers(0, 2),
    ),  # split
    st.just(Fate((), None)),  # no succession recorded
)
places = st.one_of(st.integers(0, 4), st.just("district"), st.just("province"))
positions = st.none() | st.tuples(st.floats(17.9, 18.5), st.floats(105.7, 106.5))
sites = st.lists(st.tuples(places, st.sampled_from(ADDRESSES), positions), max_size=6)


def _old_units(db: Session, fated: list[Fate]) -> tuple[AdminUnit, AdminUnit, list[AdminUnit]]:
    repo = UnitRepository(db)
    province = repo.by_code("42", "2004") or create_unit(
        db, AdminUnitCreate(code="42", name="Tỉnh Hà Tĩnh", level=UnitLevel.PROVINCE, scheme="2004")
    )
    district = create_unit(
        db,
        AdminUnitCreate(
            code="998", name="Huyện Thử", level=UnitLevel.DISTRICT, scheme="2004", parent_code="42"
        ),
    )
    communes = []
    for i, fate in enumerate(fated):
        old = create_unit(
            db,
            AdminUnitCreate(
                code=f"9980{i}",
                name=f"Xã Thử {i}",
                level=UnitLevel.COMMUNE,
                scheme="2004",
                parent_code="998",
            ),
        )
        communes.append(old)
        share = SuccessionShare.WHOLE if len(fate.targets) == 1 else SuccessionShare.PART
        for j, t in enumerate(fate.targets):
            succeed(db, old, unit(db, NEW[t], "2025"), share, default=fate.default == j)
    return province, district, communes


def _arrange(db: Session, fated: list[Fate], placed: list[tuple[object, str, object]]) -> None:
    province, district, communes = _old_units(db, fated)
    for n, (where, address, position) in enumerate(placed):
        if where == "province":
            home = province
        elif where == "district":
            home = district
        else:
            home = communes[int(str(where)) % len(communes)]
        lat, lon = position if isinstance(position, tuple) else (None, None)
        site = Site(
            kind=SiteKind.MARKET,
            name=f"Điểm {n}",
            unit_id=home.id or 0,
            address=address,
            latitude=lat,
            longitude=lon,
        )
        db.add(site)
        db.flush()
        db.add(
            Inspection(
                site_id=site.id or 0,
                inspector="Đoàn kiểm tra",
                inspected_on=date(2025, 5, 1),
                unit_id=site.unit_id,
            )
        )
    db.flush()


def _state(db: Session) -> tuple[object, ...]:
    def count(table: Any) -> int:
        return db.exec(select(func.count()).select_from(table)).one()

    units = sorted((s.id, s.unit_id) for s in db.exec(select(Site)).all())
    return units, count(SiteMove), count(RehomeCase)


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    max_examples=40,  # each example writes units, sites and records, and runs twice
)
@given(fated=st.lists(fates, min_size=1, max_size=5), placed=sites)
def test_every_site_ends_in_force_in_one_open_case_or_listed(
    db: Session, world: World, fated: list[Fate], placed: list[tuple[object, str, object]]
) -> None:
    nested = db.begin_nested()
    try:
        _arrange(db, fated, placed)
        made_under = dict(db.exec(select(Inspection.id, Inspection.unit_id)).all())

        result = rehome(db)

        listed = {s.site_id for s in result.no_succession}
        assert result.name_taken == []  # names are distinct here (name clashes: test_service)
        units = {u.id: u for u in db.exec(select(AdminUnit).where(col(AdminUnit.id).in_(
            [s.unit_id for s in db.exec(select(Site)).all()]
        ))).all()}  # fmt: skip
        for site in db.exec(select(Site).where(col(Site.retired_at).is_(None))).all():
            in_force = units[site.unit_id].scheme == "2025"
            open_cases = db.exec(
                select(func.count())
                .select_from(RehomeCase)
                .where(RehomeCase.site_id == site.id, RehomeCase.status == CaseStatus.OPEN)
            ).one()
            states = [in_force, open_cases == 1, site.id in listed]
            assert open_cases <= 1
            assert states.count(True) == 1, (site.name, states)
        assert dict(db.exec(select(Inspection.id, Inspection.unit_id)).all()) == made_under
        for key, n in result.counts.items():
            if n:
                event(key)
        before = _state(db)
        again = rehome(db)
        assert _state(db) == before
        assert again.moved == again.cases_opened == []
    finally:
        nested.rollback()
