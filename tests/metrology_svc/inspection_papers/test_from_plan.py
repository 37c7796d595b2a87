"""One inspection from the year's plan to its printed minutes: the plan approved, its target
opened as an inspection, the decision and team given, a finding synced, closed, printed."""

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.inspection_plans.support import (
    PLANS,
    add_targets,
    approve,
    create_plan,
    open_for,
)
from tests.metrology_svc.inspections.support import TEAM, decision_body, finding, put, sync
from tests.metrology_svc.stamps.support import API, freeze, new_scale

pdfplumber = pytest.importorskip("pdfplumber")

TODAY = date(2027, 1, 15)


def test_a_planned_inspection_ends_in_printed_minutes(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    freeze(client, TODAY)
    scale = new_scale(client, world, serial="KH-0001")
    plan = create_plan(client, world, units=("18754",), kinds=("market",))
    [target] = add_targets(client, world, plan["id"], [{"site_id": world.market_a, "month": 1}])
    number = approve(client, world, plan["id"])["number_text"]  # "Số: NN/KH-SKHCN"
    opened = open_for(client, world, plan["id"], target["id"])
    insp = opened["inspection_id"]

    dates = {"decided_on": "2027-01-12", "inspect_from": "2027-01-15", "inspect_to": "2027-01-20"}
    put(client, world, insp, "decision", decision_body(world, **dates))
    put(client, world, insp, "team", {"members": TEAM})
    result = sync(client, world, insp, [finding("broken_seal", instrument_id=scale)])
    assert result["created"] == 1
    r = client.post(f"{API}/inspections/{insp}/close", json={}, headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text

    # The plan counts its target done; the inspection names the plan it came from.
    shown = client.get(f"{PLANS}/{plan['id']}", headers=world.auth("admin")).json()
    assert (shown["targets_total"], shown["targets_done"]) == (1, 1)
    inspection = client.get(f"{API}/inspections/{insp}", headers=world.auth("admin")).json()
    assert inspection["note"] == f"Theo Kế hoạch số {number.removeprefix('Số: ')}"

    minutes = client.get(f"{API}/inspections/{insp}/minutes.pdf", headers=world.auth("admin"))
    assert minutes.status_code == 200, minutes.text
    path = tmp_path / "minutes.pdf"
    path.write_bytes(minutes.content)
    with pdfplumber.open(path) as pdf:
        text = " ".join(" ".join((p.extract_text() or "") for p in pdf.pages).split())
    for words in ("BIÊN BẢN", "Hà Tĩnh, ngày 15 tháng 01 năm 2027", "KTV-042-2025",
                  "Kẹp chì, niêm phong bị phá", "TRƯỞNG ĐOÀN KIỂM TRA"):  # fmt: skip
        assert words in text, words
    instrument = client.get(f"{API}/instruments/{scale}", headers=world.auth("admin")).json()
    assert instrument["status"] == "suspended"
