"""0803: checks stored as short under R 87 (before this release) become indications.

A database at 0802 with checks short under no rule (judged before the rulebook) or under R 87,
and one short under a binding table; after the upgrade only the last is short, and the sellers'
statistics follow, on SQLite and PostgreSQL.
"""

from datetime import timedelta

from sqlalchemy import Engine, column, insert, table, text
from sqlmodel import Session, col, select

from metrology_svc import migrate
from metrology_svc.db import new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.instruments.models import Instrument, InstrumentRole
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.readings.models import Reading, Seller
from metrology_svc.rulebook.repository import RuleRepository
from metrology_svc.rulebook.service import sync_shipped
from metrology_svc.sites.models import Site, SiteKind
from tests.devices.ingest.support import T0
from tests.metrology_svc.migrations.old_rows import add_instrument, add_owner
from tests.metrology_svc.readings.support import load_binding


def _market_site(session: Session) -> int:
    """A commune and a market written as the schema of 0802 has them (codes unique then)."""
    session.execute(
        text(
            "INSERT INTO admin_unit (id, name, code, level, path) VALUES "
            "(1, 'Tỉnh Hà Tĩnh', '42', 'province', '42/'), "
            "(2, 'Phường Sông Trí', '18754', 'commune', '42/18754/')"
        )
    )
    owner = add_owner(
        session, kind=OwnerKind.HOUSEHOLD, name="Nguyễn Thị Hoa", language=Language.VI
    )
    site = Site(kind=SiteKind.MARKET, name="Chợ Kỳ Anh", unit_id=2)
    session.add(site)
    session.flush()
    assert owner.id is not None
    assert site.id is not None
    control = Instrument(
        loose_key="",  # 1902 adds the column: add_instrument leaves it out
        identity_key="control|cdc-01",
        type_code="scale_platform",
        manufacturer="Test",
        model="M",
        serial="CDC-01",
        owner_id=owner.id,
        site_id=site.id,
        role=InstrumentRole.CONTROL,
    )
    add_instrument(session, control)
    assert control.id is not None
    # 0802's device table (device.kind came with 1604): a Core insert of its columns.
    values = {"id": "cs-test-01", "instrument_id": control.id, "site_id": site.id}
    values |= {"credential_hash": "x", "created_at": T0, "offline": False}
    session.execute(insert(table("device", *(column(name) for name in values))).values(values))
    return site.id


def _check(
    session: Session, seq: int, *, site: int, stall: str, short: bool, rule: int | None,
    trusted: bool = True,
) -> None:  # fmt: skip
    # The columns of 0802's reading table (the model has more since): a Core insert of those.
    row = Reading(
        device_id="cs-test-01", boot="b1", seq=seq, site_id=site,
        measured_at=T0 + timedelta(days=seq), net_g=950.0, seller_ref_kind="stall",
        seller_ref=stall, declared_g=1000.0, permitted_shortfall_g=15.0, missing_g=35.0,
        short=short, trusted=trusted, shortfall_rule_id=rule,
    )  # fmt: skip
    values = row.model_dump(exclude={"id", "payload_sha256", "source"})  # source: 1604
    # A table of those columns only: the model's later columns (and their defaults) stay out.
    session.execute(insert(table("reading", *(column(name) for name in values))).values(values))


def test_checks_short_under_r87_become_indications_and_sellers_follow(
    fresh_engine: Engine,
) -> None:
    migrate.upgrade(fresh_engine, revision="0802")
    with new_session(fresh_engine) as session:
        sync_types(session)
        sync_shipped(session)
        site = _market_site(session)
        r87 = RuleRepository(session).by_code("shortfall")[0].id
        binding = load_binding(session).id
        session.flush()
        _check(
            session, 1, site=site, stall="A-12", short=True, rule=None
        )  # judged before the rulebook
        _check(session, 2, site=site, stall="A-12", short=True, rule=r87)
        _check(session, 3, site=site, stall="A-12", short=True, rule=binding)  # real evidence
        _check(session, 4, site=site, stall="A-12", short=True, rule=binding, trusted=False)
        _check(session, 5, site=site, stall="B-07", short=True, rule=r87)
        _check(session, 6, site=site, stall="B-07", short=False, rule=r87)
        flagged = T0 + timedelta(days=2)
        session.add_all(
            [
                Seller(
                    site_id=site, ref_kind="stall", ref="A-12", checks=4, shortfalls=3,
                    total_missing_g=105.0, last_short_at=T0 + timedelta(days=3),
                    suspect_since=flagged,
                ),
                Seller(
                    site_id=site, ref_kind="stall", ref="B-07", checks=2, shortfalls=1,
                    total_missing_g=35.0, last_short_at=T0 + timedelta(days=5),
                    suspect_since=flagged,
                ),
            ]
        )  # fmt: skip
        session.commit()
    migrate.upgrade(fresh_engine)
    assert migrate.current_revisions(fresh_engine) == migrate.head_revisions()
    with new_session(fresh_engine) as session:
        short = {r.seq: r.short for r in session.exec(select(Reading).order_by(col(Reading.seq)))}
        assert short == {1: False, 2: False, 3: True, 4: True, 5: False, 6: False}
        kept = session.exec(select(Reading.missing_g)).all()
        assert set(kept) == {35.0}  # the numbers stay: an indication keeps its excess
        sellers = {s.ref: s for s in session.exec(select(Seller))}
        a12, b07 = sellers["A-12"], sellers["B-07"]
        assert (a12.shortfalls, a12.total_missing_g) == (1, 35.0)  # the trusted binding one
        assert a12.last_short_at == T0 + timedelta(days=3)
        assert a12.suspect_since == flagged  # still has evidence under a binding table
        assert (b07.shortfalls, b07.total_missing_g, b07.last_short_at) == (0, 0.0, None)
        assert b07.suspect_since is None
        assert b07.checks == 2
