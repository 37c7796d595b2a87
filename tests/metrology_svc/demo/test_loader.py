"""The demo recorded through the real services, on SQLite and PostgreSQL."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.auth.credentials import check_login
from metrology_svc.auth.models import ApiToken, User, UserUnit
from metrology_svc.auth.service import authenticate
from metrology_svc.demo.loader import DemoResult, generate
from metrology_svc.instruments.models import Instrument
from metrology_svc.readings.models import Reading, SelfCheck, Seller
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


def _registry(db: Session) -> list[tuple[object, ...]]:
    history = _verifications(db)
    return [
        (
            i.serial,
            i.status,
            i.due_date,
            [(v.verified_on, v.result) for v in history.get(i.id or 0, [])],
        )
        for i in db.exec(select(Instrument).order_by(col(Instrument.serial)))
    ]


def _readings(db: Session) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (r.device_id, r.seq, r.measured_at, r.net_g, r.seller_ref, r.declared_g, r.short, r.trusted)
        for r in db.exec(select(Reading).order_by(col(Reading.device_id), col(Reading.seq)))
    ]
    rows += [
        (c.device_id, c.seq, c.measured_at, c.indicated_g, c.passed)
        for c in db.exec(select(SelfCheck).order_by(col(SelfCheck.device_id), col(SelfCheck.seq)))
    ]
    rows += [(s.ref, s.checks, s.shortfalls, s.suspect_since) for s in db.exec(select(Seller))]
    return rows


def test_same_seed_gives_the_same_registry_and_readings(db: Session) -> None:
    first = db.begin_nested()
    _generate(db, instruments=120)
    registry, readings = _registry(db), _readings(db)
    first.rollback()
    assert not db.exec(select(Reading)).first()
    _generate(db, instruments=120)
    assert len(readings) > 2000
    assert _registry(db) == registry
    assert _readings(db) == readings


KEYS = {"admin", "inspector_province", "inspector_commune", "viewer", "owner"}


def test_demo_accounts_get_passwords_tokens_and_their_scopes(db: Session) -> None:
    result = _generate(db)
    assert [login.key for login in result.logins] == [
        "admin",
        "inspector_province",
        "inspector_commune",
        "viewer",
        "owner",
    ]
    assert set(result.tokens) == KEYS
    for login in result.logins:
        assert result.tokens[login.key] == login.token
        assert login.email.endswith(".example")
        assert len(login.password) >= 10
        assert login.scope_vi
        assert login.scope_en
        user = check_login(db, email=login.email, password=login.password)
        assert user is not None
        assert user.role == login.role
        assert authenticate(db, login.token).role == login.role
    principals = {k: authenticate(db, token) for k, token in result.tokens.items()}
    assert principals["inspector_province"].unit_paths == ("42/",)
    assert principals["inspector_commune"].unit_paths == ("42/18754/",)
    assert principals["owner"].owner_id is not None
    assert len(set(result.tokens.values())) == len({lg.password for lg in result.logins}) == 5
    assert len(list(db.exec(select(ApiToken)))) == 5
    assert len(list(db.exec(select(User)))) == 5
    assert len(list(db.exec(select(UserUnit)))) == 2


def test_demo_tokens_work_over_http_within_their_roles(db: Session, client: TestClient) -> None:
    result = _generate(db, instruments=120)
    db.commit()

    def stats(role: str, query: str = "") -> int:
        headers = {"Authorization": f"Bearer {result.tokens[role]}"}
        response = client.get(f"/api/v1/instruments/stats{query}", headers=headers)
        assert response.status_code == 200, response.text
        return int(response.json()["total"])

    assert stats("admin") == stats("viewer") == stats("inspector_province") == result.instruments
    song_tri = stats("admin", "?unit_code=18754")
    assert 0 < song_tri < result.instruments
    assert stats("inspector_commune") == song_tri
    viewer = {"Authorization": f"Bearer {result.tokens['viewer']}"}
    denied = client.post("/api/v1/owners", json={"name": "Sạp mới"}, headers=viewer)
    assert denied.status_code == 403
