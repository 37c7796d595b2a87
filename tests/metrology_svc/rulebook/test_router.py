"""The rulebook API: administrators list, read and load versions; judgements keep theirs."""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from metrology_svc.rulebook.shipped import shipped_versions
from tests.factories import World
from tests.metrology_svc.rulebook.test_service import cycles_rows
from tests.metrology_svc.stamps.support import API, freeze, new_scale, verify

RULES = f"{API}/rules"


def _load(client: TestClient, world: World, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(RULES, json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def test_admin_lists_and_reads_the_shipped_versions(client: TestClient, world: World) -> None:
    listed = client.get(RULES, headers=world.auth("admin")).json()
    assert len(listed) == len(shipped_versions())
    spring = next(t for t in listed if t["code"] == "scale_mpe")
    assert spring["label"] == "ĐLVN 30:2019 / R 76 bảng 6, phiên bản 2013-11-15"
    assert spring["units"]["mpe_e"] == "e"
    cycles = client.get(f"{RULES}/cycles", headers=world.auth("admin")).json()
    assert [v["version"] for v in cycles] == ["2013-11-15", "2020-01-01", "2024-10-15"]
    first = {r["type_code"]: r for r in cycles[0]["rows"]}
    assert first["scale_spring_dial"]["cycle_months"] == "24"
    assert first["scale_spring_dial"]["status"] == "sourced"
    assert client.get(f"{RULES}/nope", headers=world.auth("admin")).status_code == 404
    assert client.get(RULES, headers=world.auth("inspector_a")).status_code == 403


def test_a_bad_table_is_refused_with_a_clear_message(client: TestClient, world: World) -> None:
    body = {
        "code": "scale_mpe",
        "effective_from": "2027-01-01",
        "status": "sourced",
        "source": "R 76 thử",
        "rows": [
            {
                "accuracy_class": "III",
                "load_from_e": 0,
                "load_to_e": 500,
                "mpe_e": 1,
                "in_service_factor": 2,
            },
            {
                "accuracy_class": "III",
                "load_from_e": 500,
                "load_to_e": 2000,
                "mpe_e": 0.5,
                "in_service_factor": 2,
            },
        ],
    }
    r = client.post(RULES, json=body, headers=world.auth("admin"))
    assert r.status_code == 422
    error = r.json()["error"]
    assert "mpe_e falls from 1 to 0.5: the table must be monotonic" in error["message"]
    assert "bảng phải đơn điệu" in error["message_vi"]
    assert error["details"][0]["loc"] == ["rows", 1, "mpe_e"]
    r = client.post(RULES, json={**body, "source": ""}, headers=world.auth("admin"))
    assert r.status_code == 422


def test_new_version_applies_from_its_date_and_old_judgements_keep_theirs(
    client: TestClient, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    first = verify(client, world, new_scale(client, world, serial="LX-1"), on="2026-01-10")
    loaded = _load(
        client,
        world,
        {
            "code": "cycles",
            "effective_from": "2026-06-01",
            "status": "sourced",
            "source": "Thông tư giả định 99/2026",
            "rows": cycles_rows(spring_dial=36),
        },
    )
    before = verify(client, world, new_scale(client, world, serial="LX-2"), on="2026-05-31")
    after = verify(client, world, new_scale(client, world, serial="LX-3"), on="2026-06-01")
    assert (first["cycle_months"], before["cycle_months"], after["cycle_months"]) == (24, 24, 36)
    assert first["cycle_rule_id"] == before["cycle_rule_id"] != loaded["id"]
    assert after["cycle_rule_id"] == loaded["id"]
    assert (
        after["cycle_rule"]
        == "Chu kỳ kiểm định (TT 23/2013/TT-BKHCN và sửa đổi), phiên bản 2026-06-01"
    )
    again = client.get(f"{API}/verifications/{first['id']}", headers=world.auth("admin")).json()
    assert (again["cycle_months"], again["cycle_rule_id"], again["valid_until"]) == (
        24,
        first["cycle_rule_id"],
        "2028-01-10",
    )
    assert again["points"][0]["mpe_rule"] == "ĐLVN 30:2019 / R 76 bảng 6, phiên bản 2013-11-15"
