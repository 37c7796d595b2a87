"""A site's history: every move between units, from, to, when, why, on what basis, by whom."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.auth.service import authenticate
from metrology_svc.core.errors import Conflict, Invalid
from metrology_svc.rehoming.service import decide, rehome
from metrology_svc.sites.models import Site
from metrology_svc.sites.service import MoveReason, move_site
from metrology_svc.units.repository import UnitRepository
from tests.factories import World
from tests.metrology_svc.rehoming.support import make_old

API = "/api/v1/sites"


def test_the_history_lists_each_move_oldest_first(
    client: TestClient, db: Session, world: World
) -> None:
    old = make_old(db)
    whole = old.site(db, "Chợ Hưng Trí", "18754")
    split = old.site(db, "Chợ Kỳ Lợi", "18796")
    rehome(db)
    case_id = rehome(db).cases_already_open[0].case_id or 0
    inspector = authenticate(db, world.tokens["inspector_a"])
    decide(db, case_id, "18754", inspector, "Biên bản xác minh ngày 02/07/2025")
    hai_ninh = UnitRepository(db).by_code("18781", "2025")
    assert hai_ninh is not None
    site = db.get(Site, split.id)
    assert site is not None
    move_site(
        db,
        site=site,
        to_unit=hai_ninh,
        reason=MoveReason.MANUAL,
        basis="Chợ dời sang phường Hải Ninh",
        actor=authenticate(db, world.tokens["admin"]),
    )
    db.commit()

    body = client.get(f"{API}/{split.id}/history", headers=world.auth("admin")).json()

    assert body["unit_code"] == "18781"
    moves = body["moves"]
    assert [(m["from_unit"]["scheme"], m["from_unit"]["code"]) for m in moves] == [
        ("2004", "18796"),
        ("2025", "18754"),
    ]
    assert [(m["to_unit"]["scheme"], m["to_unit"]["code"]) for m in moves] == [
        ("2025", "18754"),
        ("2025", "18781"),
    ]
    assert [m["reason"] for m in moves] == ["succession_reviewed", "manual"]
    assert [m["basis"] for m in moves] == [
        "Biên bản xác minh ngày 02/07/2025",
        "Chợ dời sang phường Hải Ninh",
    ]
    assert [m["by_name"] for m in moves] == ["Test inspector_a", "Test admin"]
    assert moves[0]["moved_at"] <= moves[1]["moved_at"]
    # The site now lies in Hải Ninh: its history is inspector B's to read, no longer A's.
    assert (
        client.get(f"{API}/{split.id}/history", headers=world.auth("inspector_b")).status_code
        == 200
    )
    assert (
        client.get(f"{API}/{split.id}/history", headers=world.auth("inspector_a")).status_code
        == 403
    )
    run = client.get(f"{API}/{whole.id}/history", headers=world.auth("viewer")).json()["moves"]
    assert [(m["reason"], m["by_name"], m["basis"]) for m in run] == [
        ("succession_whole", None, "1665/NQ-UBTVQH15 (16/06/2025)")
    ]
    unmoved = client.get(f"{API}/{world.market_a}/history", headers=world.auth("inspector_a"))
    assert unmoved.json()["moves"] == []
    assert client.get(f"{API}/999999/history", headers=world.auth("admin")).status_code == 404


def test_a_move_into_the_same_unit_or_onto_a_name_in_use_is_refused(
    db: Session, world: World
) -> None:
    units = UnitRepository(db)
    a, b = units.by_code("18754", "2025"), units.by_code("18781", "2025")
    assert a is not None
    assert b is not None
    site = db.get(Site, world.market_a)
    assert site is not None
    with pytest.raises(Invalid):
        move_site(db, site=site, to_unit=a, reason=MoveReason.MANUAL, basis="", actor=None)
    site.name = "Chợ Kỳ Đồng"  # the name of market B, in Hải Ninh
    with pytest.raises(Conflict):
        move_site(db, site=site, to_unit=b, reason=MoveReason.MANUAL, basis="", actor=None)
