"""A recorded verification's audit record holds its test points' values (hashed with it)."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.audit.service import verify_chain
from tests.factories import World
from tests.metrology_svc.audit.support import last_audited
from tests.metrology_svc.stamps.support import GOOD_POINTS, new_scale, verify


def test_the_points_values_are_in_the_hashed_record(
    client: TestClient, world: World, db: Session
) -> None:
    iid = new_scale(client, world)
    v = verify(client, world, iid)
    record = last_audited(db, "verification.record")
    assert (record.entity, record.entity_id) == ("verification", v["id"])
    assert record.detail["unit"] == "g"
    assert [(p["reference"], p["indicated"]) for p in record.detail["points"]] == [
        (p["reference"], p["indicated"]) for p in GOOD_POINTS
    ]
    assert [p["mpe"] for p in record.detail["points"]] == [p["mpe"] for p in v["points"]]
    assert [p["error"] for p in record.detail["points"]] == [25, -50, 75]
    assert all(p["passed"] for p in record.detail["points"])
    assert verify_chain(db).broken is None  # the values read back hash the same
