"""0901: a database of the three-tier era keeps every unit and record, under the 2004 scheme.

A database at 0803 with a province, a district and two communes (one of them 18073, a code the
2025 list reuses), a market in a commune with a verification and an inspection: after the
upgrade every unit is of scheme 2004 and valid until 01/07/2025, each record carries the unit it
was made under, the 2025 list loads beside the old units, and the upgrade cannot be undone once
it has. On SQLite the rebuild of admin_unit happens while sites point at it.
"""

from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.models import AdminUnit
from metrology_svc.units.service import load_2025
from tests.metrology_svc.migrations.old_rows import add_instrument, add_owner

_UNITS = [  # name, code, level, path, parent code (the schema of 0803: codes unique)
    ("Tỉnh Hà Tĩnh", "42", "province", "42/", None),
    ("Thành phố Hà Tĩnh", "436", "district", "42/436/", "42"),
    ("Phường Nam Hà", "18073", "commune", "42/436/18073/", "436"),
    ("Phường Bắc Hà", "18077", "commune", "42/436/18077/", "436"),
]


def _arrange(session: Session) -> tuple[int, int]:
    for name, code, level, path, parent in _UNITS:
        session.execute(
            text(
                "INSERT INTO admin_unit (name, code, level, path, parent_id) VALUES (:n, :c, :l, "
                ":p, (SELECT id FROM admin_unit WHERE code = :parent))"
            ),
            {"n": name, "c": code, "l": level, "p": path, "parent": parent},
        )
    bac_ha: int = session.execute(
        text("SELECT id FROM admin_unit WHERE code = '18077'")
    ).scalar_one()
    owner = add_owner(
        session, kind=OwnerKind.HOUSEHOLD, name="Nguyễn Thị Hoa", language=Language.VI
    )
    site = Site(kind=SiteKind.MARKET, name="Chợ Hà Tĩnh", unit_id=bac_ha)
    session.add(site)
    session.flush()
    assert owner.id is not None
    assert site.id is not None
    scale = Instrument(
        loose_key="",  # 1902 adds the column: add_instrument leaves it out
        identity_key="scale|a-1",
        type_code="scale_spring_dial",
        manufacturer="Nhơn Hòa",
        serial="A-1",
        owner_id=owner.id,
        site_id=site.id,
    )
    add_instrument(session, scale)
    assert scale.id is not None
    session.execute(
        text(
            "INSERT INTO verification (instrument_id, kind, verified_on, verifier, procedure, "
            "result, notes, created_at) VALUES (:i, 'periodic', '2024-05-02', 'TĐC', "
            "'ĐLVN 30:2019', 'pass', '', '2024-05-02 08:00:00')"
        ),
        {"i": scale.id},
    )
    session.execute(
        text(
            "INSERT INTO inspection (site_id, inspector, inspected_on, note, started_at) "
            "VALUES (:s, 'Trần Văn Nam', '2024-09-10', '', '2024-09-10 08:00:00')"
        ),
        {"s": site.id},
    )
    return site.id, scale.id


def test_old_units_become_the_2004_scheme_and_records_keep_their_unit(
    fresh_engine: Engine,
) -> None:
    migrate.upgrade(fresh_engine, revision="0803")
    with new_session(fresh_engine) as session:
        sync_types(session)
        site_id, _ = _arrange(session)
        session.commit()
    migrate.upgrade(fresh_engine)
    with new_session(fresh_engine) as session:
        units = {u.code: u for u in session.exec(select(AdminUnit))}
        assert {u.scheme for u in units.values()} == {"2004"}
        assert {u.valid_to for u in units.values()} == {date(2025, 7, 1)}
        assert [units[c].division_type for c in ("42", "436", "18073", "18077")] == [
            "tỉnh",
            "thành phố",
            "phường",
            "phường",
        ]
        for table in ("verification", "inspection"):
            query = text(f"SELECT unit_id FROM {table}")  # noqa: S608
            made_under: list[int] = list(session.execute(query).scalars().all())
            assert made_under == [units["18077"].id], table
        assert session.get(Site, site_id) is not None
        load_2025(session)
        session.commit()
    with new_session(fresh_engine) as session:
        both = session.exec(select(AdminUnit).where(AdminUnit.code == "18073")).all()
        assert sorted((u.scheme, u.name, u.path) for u in both) == [
            ("2004", "Phường Nam Hà", "42/436/18073/"),
            ("2025", "Phường Thành Sen", "42/18073/"),
        ]
    with pytest.raises(RuntimeError, match="cannot be undone"):
        migrate.downgrade(fresh_engine, revision="0803")


def test_the_upgrade_round_trips_before_the_2025_list_is_loaded(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, revision="0803")
    with new_session(fresh_engine) as session:
        sync_types(session)
        _arrange(session)
        session.commit()
    migrate.upgrade(fresh_engine)
    migrate.downgrade(fresh_engine, revision="0803")
    assert migrate.current_revisions(fresh_engine) == {"0803"}
    with fresh_engine.connect() as conn:
        codes: list[str] = list(
            conn.execute(text("SELECT code FROM admin_unit ORDER BY id")).scalars()
        )
        assert codes == ["42", "436", "18073", "18077"]
        assert conn.execute(text("SELECT count(*) FROM verification")).scalar_one() == 1
