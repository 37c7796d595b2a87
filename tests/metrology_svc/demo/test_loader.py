"""The demo recorded through the real services, on SQLite and PostgreSQL."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.auth.models import ApiToken, User, UserUnit
from metrology_svc.auth.service import authenticate
from metrology_svc.demo.loader import DemoResult, generate
from metrology_svc.instruments.models import Instrument
from metrology_svc.settings import Settings
from metrology_svc.verifications.models import Verification
from tests.metrology_svc.demo.conftest import TODAY

SETTINGS = Settings()


def _generate(db: Session, *, seed: int = 42, instruments: int = 300) -> DemoResult:
    return generate(db, settings=SETTINGS, today=TODAY, seed=seed, instruments=instruments)


def _verifications(db: Session) -> dict[int, list[Verification]]:
    by_instrument: dict[int, list[Verification]] = {}
    stmt = select(Verification).order_by(col(Verification.verified_on), col(Verification.id))
    for v in db.exec(stmt):
        by_instrument.setdefault(v.instrument_id, []).append(v)
    return by_instrument


def test_same_seed_gives_the_same_registry(db: Session) -> None:
    def snapshot() -> list[tuple[object, ...]]:
        history = _verifications(db)
        return [
            (i.serial, i.status, i.due_date, [(v.verified_on, v.result) for v in history[i.id]])
            if i.id in history
            else (i.serial, i.status, i.due_date, [])
            for i in db.exec(select(Instrument).order_by(col(Instrument.serial)))
        ]

    first = db.begin_nested()
    _generate(db, instruments=120)
    before = snapshot()
    first.rollback()
    _generate(db, instruments=120)
    assert snapshot() == before


def test_demo_users_get_working_tokens_and_the_inspector_a_district(db: Session) -> None:
    result = _generate(db, instruments=120)
    assert set(result.tokens) == {"admin", "inspector", "viewer"}
    roles = {k: authenticate(db, token).role for k, token in result.tokens.items()}
    assert roles == {"admin": "admin", "inspector": "inspector", "viewer": "viewer"}
    inspector = authenticate(db, result.tokens["inspector"])
    assert inspector.unit_paths == ("42/449/",)
    assert len(list(db.exec(select(ApiToken)))) == 3
    assert len(list(db.exec(select(User)))) == 3
    assert len(list(db.exec(select(UserUnit)))) == 1


def test_demo_tokens_work_over_http_within_their_roles(db: Session, client: TestClient) -> None:
    result = _generate(db, instruments=120)
    db.commit()

    def stats(role: str, query: str = "") -> int:
        headers = {"Authorization": f"Bearer {result.tokens[role]}"}
        response = client.get(f"/api/v1/instruments/stats{query}", headers=headers)
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert stats("admin") == stats("viewer") == result.instruments
    ky_anh = stats("admin", "?unit_code=449")
    assert 0 < ky_anh < result.instruments
    assert stats("inspector") == ky_anh
    viewer = {"Authorization": f"Bearer {result.tokens['viewer']}"}
    denied = client.post("/api/v1/owners", json={"name": "Sạp mới"}, headers=viewer)
    assert denied.status_code == 403
