"""The rehoming API: a run (admin), the review list in the caller's area, a decision."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.rehoming.support import KY_LOI_SUCCESSORS, Old, make_old

API = "/api/v1/rehoming"


def _arrange(db: Session) -> tuple[Old, dict[str, int]]:
    old = make_old(db)
    sites = {
        "whole": old.site(db, "Chợ Hưng Trí", "18754").id or 0,
        "split": old.site(db, "Chợ Kỳ Lợi", "18796", address="Phường Sông Trí, Hà Tĩnh").id or 0,
        "district": old.site(db, "Bến xe", "449").id or 0,
        "none": old.site(db, "Chợ Thử", "99901").id or 0,
    }
    db.commit()
    return old, sites


def test_a_dry_run_then_a_run_by_the_administrator(
    client: TestClient, db: Session, world: World
) -> None:
    _old, sites = _arrange(db)
    body = {"province_code": "42", "dry_run": True}
    for role in ("viewer", "inspector_a"):
        assert client.post(f"{API}/run", json=body, headers=world.auth(role)).status_code == 403
    dry = client.post(f"{API}/run", json=body, headers=world.auth("admin"))
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert client.get(f"{API}/cases", headers=world.auth("admin")).json()["total"] == 0

    run = client.post(f"{API}/run", json={"province_code": "42"}, headers=world.auth("admin"))

    result = run.json()
    assert result["scheme"] == "2025"
    assert result["sites_checked"] == 4
    assert [m["site_id"] for m in result["moved"]] == [sites["whole"]]
    assert sorted(c["site_id"] for c in result["cases_opened"]) == sorted(
        [sites["split"], sites["district"]]
    )
    assert [s["site_id"] for s in result["no_succession"]] == [sites["none"]]
    assert result["counts"]["case_address"] == 1
    assert result["counts"]["case_none"] == 1
    other = client.post(f"{API}/run", json={"province_code": "08"}, headers=world.auth("admin"))
    assert other.json()["sites_checked"] == 0  # another province: nothing of ours


def test_the_review_list_is_paged_filtered_and_scoped(
    client: TestClient, db: Session, world: World
) -> None:
    _old, sites = _arrange(db)
    client.post(f"{API}/run", json={}, headers=world.auth("admin"))
    admin = client.get(f"{API}/cases", params={"status": "open"}, headers=world.auth("admin"))
    assert admin.json()["total"] == 2
    page = client.get(f"{API}/cases", params={"limit": 1, "offset": 1}, headers=world.auth("admin"))
    assert page.json()["total"] == 2
    assert len(page.json()["items"]) == 1
    # Sông Trí is a candidate of both (Kỳ Lợi's successor; a commune of district 449).
    mine = client.get(f"{API}/cases", headers=world.auth("inspector_a")).json()
    assert mine["total"] == 2
    # Hải Ninh received Kỳ Ninh and Kỳ Hà of district 449, not Kỳ Lợi.
    theirs = client.get(f"{API}/cases", headers=world.auth("inspector_b")).json()
    assert [c["site_id"] for c in theirs["items"]] == [sites["district"]]
    split = next(c for c in admin.json()["items"] if c["site_id"] == sites["split"])
    assert split["site_name"] == "Chợ Kỳ Lợi"
    assert split["old_unit"] == {
        "id": split["old_unit"]["id"],
        "code": "18796",
        "name": "Xã Kỳ Lợi",
        "scheme": "2004",
    }
    assert {c["code"] for c in split["candidates"]} == KY_LOI_SUCCESSORS
    assert split["suggestion_reason"].startswith("Theo địa chỉ")
    assert split["suggestion_reason_en"].startswith("From the address")
    one = client.get(f"{API}/cases/{split['id']}", headers=world.auth("inspector_b"))
    assert one.status_code == 403
    assert client.get(f"{API}/cases/999999", headers=world.auth("admin")).status_code == 404
    assert (
        client.get(
            f"{API}/cases", params={"status": "closed"}, headers=world.auth("admin")
        ).status_code
        == 422
    )


def test_a_decision_moves_the_site_and_closes_the_case(
    client: TestClient, db: Session, world: World
) -> None:
    _old, sites = _arrange(db)
    client.post(f"{API}/run", json={}, headers=world.auth("admin"))
    items = client.get(f"{API}/cases", headers=world.auth("admin")).json()["items"]
    case = next(c for c in items if c["site_id"] == sites["split"])
    url = f"{API}/cases/{case['id']}/decide"
    h = world.auth("inspector_a")
    both = {"unit_code": "18754", "unit_id": case["suggested_unit_id"]}
    assert client.post(url, json=both, headers=h).status_code == 422
    assert client.post(url, json={}, headers=h).status_code == 422
    assert client.post(url, json={"unit_code": "18781"}, headers=h).status_code == 422
    assert (
        client.post(url, json={"unit_code": "18754"}, headers=world.auth("viewer")).status_code
        == 403
    )

    done = client.post(url, json={"unit_code": "18754", "note": "theo địa chỉ"}, headers=h)

    assert done.status_code == 200, done.text
    assert done.json()["status"] == "decided"
    site = client.get(f"/api/v1/sites/{sites['split']}", headers=h).json()
    assert site["unit_code"] == "18754"
    assert client.post(url, json={"unit_code": "18754"}, headers=h).status_code == 409
    closed = client.get(f"{API}/cases", params={"status": "decided"}, headers=h).json()
    assert [c["id"] for c in closed["items"]] == [case["id"]]
