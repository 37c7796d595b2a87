"""One instrument identity everywhere (issue 19, item 5): the API, the web form and imports
refuse or merge an instrument alike a stored one, by the stored loose key."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlmodel import Session, SQLModel, col, func, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.imports.schemas import ImportMode
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.service import refresh_loose_keys
from tests.factories import ADMIN, World, spring_scale
from tests.metrology_svc.imports.support import TODAY, scale_row, write_csv
from tests.metrology_svc.web.conftest import login

API = "/api/v1/instruments"


def _register(client: TestClient, world: World, **over: object) -> dict[str, object]:
    body = spring_scale(world, serial="SN-0012 34") | over
    res = client.post(API, json=body, headers=world.auth("admin"))
    assert res.status_code == 201, res.text
    got: dict[str, object] = res.json()
    return got


def _count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Instrument)).one()


@pytest.mark.parametrize(
    ("maker", "serial"),
    [
        ("NHON HOA", "sn001234"),
        ("Cân Nhơn Hòa", "SN 0012-34"),
        ("nhơn  hoà", "sn.0012.34"),
        ("Cty Nhơn Hòa", "SN-001234"),
    ],
)
def test_an_instrument_alike_a_stored_one_is_409_naming_it(
    client: TestClient, world: World, maker: str, serial: str
) -> None:
    stored = _register(client, world)
    body = spring_scale(world, serial=serial) | {"manufacturer": maker}
    res = client.post(API, json=body, headers=world.auth("admin"))
    assert res.status_code == 409, res.text
    error = res.json()["error"]
    assert error["code"] == "near_duplicate"
    named = f"id {stored['id']} (Nhơn Hòa / SN-0012 34)"
    assert named in error["message"]
    assert named in error["message_vi"]
    as_sent = " ".join(maker.split())  # a name is kept on one line, single-spaced
    assert error["message_vi"].startswith(f"Phương tiện đo {as_sent} số {serial} giống")
    (detail,) = error["details"]
    assert detail["loc"] == ["body", "confirm_distinct"]
    assert detail["existing"] == [
        {"id": stored["id"], "manufacturer": "Nhơn Hòa", "serial": "SN-0012 34"}
    ]


def test_an_exact_duplicate_keeps_its_plain_conflict(client: TestClient, world: World) -> None:
    _register(client, world)
    body = spring_scale(world, serial=" sn-0012 34 ") | {"manufacturer": "NHƠN HÒA"}
    res = client.post(API, json=body | {"confirm_distinct": True}, headers=world.auth("admin"))
    assert res.status_code == 409
    error = res.json()["error"]
    assert (error["code"], error["details"][0]["loc"]) == ("conflict", ["body", "serial"])


def test_another_serial_or_type_is_no_duplicate(
    client: TestClient, db: Session, world: World
) -> None:
    _register(client, world)
    _register(client, world, serial="SN-0012 35")
    _register(client, world, type_code="scale_counter", serial="SN001234", max_g=30000, e_g=100)
    assert _count(db) == 3


def test_a_confirmed_different_instrument_is_created_and_audited(
    client: TestClient, db: Session, world: World
) -> None:
    stored = _register(client, world)
    body = spring_scale(world, serial="sn001234") | {"manufacturer": "Nhon Hoa"}
    res = client.post(API, json=body | {"confirm_distinct": True}, headers=world.auth("admin"))
    assert res.status_code == 201, res.text
    new = db.get(Instrument, res.json()["id"])
    assert new is not None
    assert new.loose_key == loose_identity("scale_spring_dial", "Nhơn Hòa", "SN-0012 34")
    stmt = select(AuditRecord).where(AuditRecord.action == "instrument.confirm_distinct")
    (record,) = db.exec(stmt).all()
    assert (record.entity, record.entity_id) == ("instrument", new.id)
    assert record.detail == {"alike_ids": [stored["id"]], "loose_key": new.loose_key}
    assert "confirm_distinct" not in res.json()
    # A third one alike is told both, oldest first.
    third = client.post(
        API, json=spring_scale(world, serial="SN0012-34"), headers=world.auth("admin")
    )
    assert third.status_code == 409
    ids = [e["id"] for e in third.json()["error"]["details"][0]["existing"]]
    assert ids == [stored["id"], new.id]


def test_the_web_form_shows_the_stored_one_and_a_box_to_say_it_differs(
    client: TestClient, db: Session, world: World
) -> None:
    stored = _register(client, world)
    token = login(client, db, "admin")
    data = {
        "type_code": "scale_spring_dial", "serial": "sn 001234", "manufacturer": "NHON HOA",
        "owner_id": str(world.owner_vi), "site_id": str(world.market_a), "csrf": token,
    }  # fmt: skip
    res = client.post("/web/instruments/new", data=data)
    assert res.status_code == 422
    assert f"id {stored['id']} (Nhơn Hòa / SN-0012 34)" in res.text
    assert 'id="e-confirm_distinct"' in res.text
    # The message names the box by its label, as the page shows it (not the API's field).
    assert res.text.count("Đây là một phương tiện đo khác") == 2
    assert 'name="confirm_distinct"' in res.text
    plain = client.get("/web/instruments/new")
    assert 'name="confirm_distinct"' not in plain.text  # only with the message
    sent = data | {"confirm_distinct": "on"}
    res = client.post("/web/instruments/new", data=sent, follow_redirects=False)
    assert res.status_code == 303, res.text
    stmt = select(AuditRecord).where(AuditRecord.action == "instrument.confirm_distinct")
    assert len(db.exec(stmt).all()) == 1


def test_an_import_row_alike_an_instrument_the_api_registered_updates_it(
    client: TestClient, db: Session, world: World, tmp_path: Path
) -> None:
    registered = spring_scale(world, serial="SN-0012 34")
    assert client.post(API, json=registered, headers=world.auth("admin")).status_code == 201
    db.expire_all()
    before = _count(db)
    row = scale_row("sn001234", manufacturer="NHON HOA", model="NHS-20")
    path = write_csv(tmp_path / "list.csv", [row])
    report = import_file(db, ADMIN, path, mode=ImportMode.VALID_ONLY, today=TODAY)
    db.flush()
    assert (report.created, report.updated, report.rejected) == (0, 1, 0), report.errors
    assert _count(db) == before
    stored = db.exec(select(Instrument).where(Instrument.serial == "SN-0012 34")).one()
    assert (stored.manufacturer, stored.model) == ("Nhơn Hòa", "NHS-20")


def test_an_import_stores_the_loose_key_of_what_it_creates(
    db: Session, world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", [scale_row("Ck-9 / 1", manufacturer="Can Nhon Hoa")])
    import_file(db, ADMIN, path, mode=ImportMode.VALID_ONLY, today=TODAY)
    db.flush()
    stored = db.exec(select(Instrument).where(Instrument.serial == "Ck-9 / 1")).one()
    assert stored.loose_key == "scale_spring_dial|nhonhoa|ck91"


def test_keys_are_recomputed_when_they_differ_from_the_code(
    client: TestClient, db: Session, world: World
) -> None:
    one = _register(client, world)
    two = _register(client, world, serial="B-2")
    db.expire_all()
    db.execute(text("UPDATE instrument SET loose_key = 'stale' WHERE id = :i"), {"i": one["id"]})
    assert refresh_loose_keys(db, batch=1) == 1
    assert refresh_loose_keys(db) == 0
    db.expire_all()
    keys = db.exec(
        select(Instrument.loose_key)
        .where(col(Instrument.id).in_([one["id"], two["id"]]))
        .order_by(col(Instrument.id))
    ).all()
    assert list(keys) == [
        loose_identity("scale_spring_dial", "Nhơn Hòa", "SN-0012 34"),
        loose_identity("scale_spring_dial", "Nhơn Hòa", "B-2"),
    ]


def test_rows_inserted_without_a_loose_key_get_the_code_s(db: Session, world: World) -> None:
    table = SQLModel.metadata.tables["instrument"]
    rows = [
        {"identity_key": f"k{n}", "type_code": "scale_spring_dial", "serial": serial,
         "manufacturer": maker, "owner_id": world.owner_vi, "site_id": world.market_a,
         "role": "trade", "status": "registered"}
        for n, (maker, serial) in enumerate([("Can Nhon Hoa", "X-1"), ("Đông Á", "y 2")])
    ]  # fmt: skip
    db.execute(insert(table), rows)
    stmt = select(Instrument.loose_key).where(col(Instrument.identity_key).in_(["k0", "k1"]))
    assert sorted(db.exec(stmt)) == [
        "scale_spring_dial|donga|y2",
        "scale_spring_dial|nhonhoa|x1",
    ]
