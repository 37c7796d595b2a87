"""The inspection pages: open one at a site, the field page, and its exactly-once sync route."""

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.inspections.models import InspectionFinding
from metrology_svc.measurement_checks.models import MeasurementCheck
from metrology_svc.web import inspection_pages
from tests.factories import World
from tests.metrology_svc.inspections.support import finding, open_inspection
from tests.metrology_svc.stamps.support import issued, stamps_of
from tests.metrology_svc.web.conftest import login, page_token


def _sync(client: TestClient, iid: int, csrf: str, items: list[Any]) -> Any:
    return client.post(
        f"/web/inspections/{iid}/findings/sync",
        data={"csrf": csrf, "items": json.dumps(items)},
        follow_redirects=False,
    )


def test_open_an_inspection_from_the_list(client: TestClient, db: Session, world: World) -> None:
    csrf = login(client, db, "inspector_a")
    page = client.get("/web/inspections")
    assert page.status_code == 200
    assert 'id="open-form"' in page.text
    assert f'<option value="{world.market_b}"' not in page.text  # 18781's market: not offered
    form = {"csrf": csrf, "site_id": str(world.market_a), "inspector": "Lê Văn Hùng"}
    res = client.post(
        "/web/inspections", data={**form, "inspected_on": "2026-11-22"}, follow_redirects=False
    )
    assert res.status_code == 303, res.text
    field = client.get(res.headers["location"])
    assert field.status_code == 200
    assert 'id="field"' in field.text
    assert "/web/static/inspection.js" in field.text
    iid = int(res.headers["location"].rsplit("/", 1)[1])
    english = client.get(f"/web/inspections/{iid}", params={"lang": "en"}).text
    assert "Record a finding" in english
    assert "Broken seal" in english
    assert "Ghi nhận kết quả" in field.text
    assert f'data-inspection="{iid}"' in client.get("/web/inspections").text
    # A date in the future is refused next to its field, nothing opened.
    bad = client.post(
        "/web/inspections", data={**form, "inspected_on": "2099-01-01"}, follow_redirects=False
    )
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text


def test_the_sync_route_stores_each_finding_once_and_revokes(
    client: TestClient, db: Session, world: World
) -> None:
    stamp = issued(client, world)
    inspection = open_inspection(client, world)
    login(client, db, "inspector_a")
    iid = inspection["id"]
    csrf = page_token(client.get(f"/web/inspections/{iid}"))
    seal = finding("broken_seal", stamp_code=stamp["code"], note="kẹp chì bị cắt")
    bad = finding("error_beyond_mpe", stamp_code=stamp["code"])  # without its test points
    first = _sync(client, iid, csrf, [seal, bad])
    assert first.status_code == 200, first.text
    body = first.json()
    assert [i["status"] for i in body["items"]] == ["created", "rejected"], body["items"]
    assert body["items"][1]["message_vi"].startswith("Sai số vượt mức cho phép phải kèm")
    again = _sync(client, iid, csrf, [seal]).json()  # the page resends after a lost answer
    assert [i["status"] for i in again["items"]] == ["duplicate"]
    stored = db.exec(
        select(InspectionFinding).where(col(InspectionFinding.client_uuid) == seal["client_uuid"])
    ).all()
    assert len(stored) == 1
    assert stamps_of(client, world, stamp["instrument_id"])[0]["status"] == "revoked"
    assert seal["client_uuid"] in client.get(f"/web/inspections/{iid}").text

    refused = _sync(client, iid, "0" * 64, [finding("ok", stamp_code=stamp["code"])])
    assert refused.status_code == 403  # no CSRF token, nothing stored
    assert _sync(client, iid, csrf, []).status_code == 422
    malformed = client.post(
        f"/web/inspections/{iid}/findings/sync", data={"csrf": csrf, "items": "{not json"}
    )
    assert malformed.status_code == 422


def test_scope_and_roles(client: TestClient, db: Session, world: World) -> None:
    stamp = issued(client, world)
    iid = open_inspection(client, world)["id"]
    csrf = login(client, db, "inspector_b")  # commune 18781: not this inspection's
    assert client.get(f"/web/inspections/{iid}").status_code == 403
    assert f'data-inspection="{iid}"' not in client.get("/web/inspections").text
    item = finding("broken_seal", stamp_code=stamp["code"])
    assert _sync(client, iid, csrf, [item]).status_code == 403
    login(client, db, "viewer")
    page = client.get(f"/web/inspections/{iid}")
    assert page.status_code == 200
    assert 'id="field"' not in page.text  # a viewer reads, records nothing
    assert 'id="open-form"' not in client.get("/web/inspections").text
    assert stamps_of(client, world, stamp["instrument_id"])[0]["status"] == "valid"


def test_without_the_vendor_decoder_the_page_offers_typed_codes(
    client: TestClient, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    iid = open_inspection(client, world)["id"]
    login(client, db, "inspector_a")
    monkeypatch.setattr(inspection_pages, "DECODER", Path("/nonexistent/jsQR.js"))
    page = client.get(f"/web/inspections/{iid}").text
    assert 'data-decoder="no"' in page
    assert "vendor/jsQR.js" not in page
    assert 'id="stamp-code"' in page  # typed codes still work
    monkeypatch.setattr(inspection_pages, "DECODER", Path(__file__))  # any existing file
    assert '<script src="/web/static/vendor/jsQR.js">' in client.get(f"/web/inspections/{iid}").text


def test_one_batch_carries_findings_checks_and_measures_read_the_vietnamese_way(
    client: TestClient, db: Session, world: World
) -> None:
    stamp = issued(client, world)
    iid = open_inspection(client, world)["id"]
    login(client, db, "inspector_a")
    csrf = page_token(client.get(f"/web/inspections/{iid}"))
    ok = finding(
        "ok", stamp_code=stamp["code"], points=[{"reference": "1.000", "indicated": "1 kg"}]
    )
    unreadable = finding("ok", stamp_code=stamp["code"], points=[{"reference": "1,2,3"}])
    pork = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "retail_weighing",
        "goods": "thịt lợn",
        "declared": "1,2 kg",  # the seller's display
        "measured": "1.200",  # grams on the team's reference: a thousand two hundred
    }
    petrol = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "petrol_delivery",
        "declared": "2",
        "measured": "2 kg",  # a mass is no volume: refused with its reason
    }
    seal = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "sealing",
        "instrument_id": stamp["instrument_id"],
        "seal_numbers": ["NP-0012", "NP-0013"],
    }
    data = {
        "csrf": csrf,
        "items": json.dumps([ok, unreadable]),
        "checks": json.dumps([pork, petrol]),
        "measures": json.dumps([seal]),
    }
    first = client.post(f"/web/inspections/{iid}/findings/sync", data=data)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [i["status"] for i in body["items"]] == ["created", "rejected"], body["items"]
    assert body["items"][1]["message_vi"].startswith("Không đọc được số: points.0.reference")
    assert [c["status"] for c in body["checks"]] == ["created", "rejected"]
    assert body["checks"][0]["verdict"] == "within"
    assert "measured" in body["checks"][1]["message"]
    assert [m["status"] for m in body["measures"]] == ["created"]
    assert (body["created"], body["duplicate"], body["rejected"]) == (3, 0, 2)

    stored = db.exec(
        select(InspectionFinding).where(col(InspectionFinding.client_uuid) == ok["client_uuid"])
    ).one()
    assert [(p["reference"], p["indicated"]) for p in stored.points] == [(1000.0, 1000.0)]
    check = db.exec(
        select(MeasurementCheck).where(col(MeasurementCheck.client_uuid) == pork["client_uuid"])
    ).one()
    assert (check.declared, check.measured, check.unit) == (1200.0, 1200.0, "g")
    page = client.get(f"/web/inspections/{iid}").text
    assert "NP-0012, NP-0013" in page
    assert f'data-uuid="{pork["client_uuid"]}" data-verdict="within"' in page

    again = client.post(f"/web/inspections/{iid}/findings/sync", data=data).json()
    assert [i["status"] for i in again["items"]] == ["duplicate", "rejected"]
    assert [c["status"] for c in again["checks"]] == ["duplicate", "rejected"]
    assert [m["status"] for m in again["measures"]] == ["duplicate"]
    assert len(db.exec(select(MeasurementCheck)).all()) == 1

    # The whole batch is refused outside the user's units, whatever lists it carries.
    csrf_b = login(client, db, "inspector_b")
    other = client.post(
        f"/web/inspections/{iid}/findings/sync",
        data={"csrf": csrf_b, "checks": json.dumps([{**pork, "client_uuid": str(uuid.uuid4())}])},
    )
    assert other.status_code == 403
    empty = client.post(
        f"/web/inspections/{iid}/findings/sync", data={"csrf": csrf_b, "checks": "[]"}
    )
    assert empty.status_code in (403, 422)
