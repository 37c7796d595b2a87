"""A gold shop (cửa hàng vàng bạc) is a kind of site: planned, inspected and reported as one."""

import io
from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.inspection_plans.support import PLANS, add_targets, create_plan
from tests.metrology_svc.inspections.support import finding, open_inspection, sync
from tests.metrology_svc.stamps.support import API, freeze

pdfplumber = pytest.importorskip("pdfplumber")


def test_a_gold_shop_is_planned_inspected_and_reported_as_such(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2027, 1, 15))
    body = {"kind": "gold_shop", "name": "Tiệm vàng Kim Thành", "unit_code": "18754"}
    r = client.post(f"{API}/sites", json=body, headers=world.auth("inspector_a"))
    assert r.status_code == 201, r.text
    shop = r.json()["id"]
    listed = client.get(f"{API}/sites", params={"kind": "gold_shop"}, headers=world.auth("admin"))
    assert [s["id"] for s in listed.json()["items"]] == [shop]

    plan = create_plan(client, world, units=("18754",), kinds=("gold_shop",))
    add_targets(client, world, plan["id"], [{"site_id": shop, "month": 2}])
    pdf = client.get(f"{PLANS}/{plan['id']}/plan.pdf", headers=world.auth("admin"))
    assert pdf.status_code == 200, pdf.text
    with pdfplumber.open(io.BytesIO(pdf.content)) as doc:
        words = [w["text"] for p in doc.pages for w in p.extract_words()]
    # The targets table names the kind in Vietnamese (cells wrap, so words are looked for).
    # The kind's cell wraps: "Cửa hàng" beside the month, "vàng bạc" on the next line.
    row = words[words.index("Kim") - 2 :][:10]
    assert row == ["Tiệm", "vàng", "Kim", "Thành", "Cửa", "hàng", "Tháng", "2/2027", "vàng", "bạc"]

    inspection = open_inspection(client, world, site_id=shop, on="2027-01-14")
    sync(client, world, inspection["id"], [finding("no_stamp", note="cân vàng không có tem")])
    report = client.get(
        f"{API}/reports/yearly",
        params={"unit_code": "18754", "year": 2027},
        headers=world.auth("admin"),
    )
    assert report.status_code == 200, report.text
    by_site = {k["site_kind"]: k["findings"] for k in report.json()["inspections_by_site"]}
    assert by_site == {"gold_shop": 1}
