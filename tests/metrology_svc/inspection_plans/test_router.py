"""Plans over HTTP: draft, targets, approval with the register's number, frozen, inspections
opened from targets, scope refusals and who may do what."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.inspection_plans.models import InspectionPlanTarget
from metrology_svc.inspection_plans.repository import PlanRepository
from tests.factories import World
from tests.metrology_svc.inspection_plans.support import (
    PLANS,
    add_targets,
    approve,
    create_plan,
    open_for,
)
from tests.metrology_svc.stamps.support import API, freeze

TODAY = date(2027, 1, 15)


def _planned(client: TestClient, world: World) -> tuple[int, dict[int, int]]:
    """Create a province plan over both communes with three targets; return ids by site."""
    plan = create_plan(client, world)
    added = add_targets(
        client,
        world,
        plan["id"],
        [
            {"site_id": world.market_a, "month": 1},
            {"site_id": world.station_a, "window_from": "2027-03-01", "window_to": "2027-03-15"},
            {"site_id": world.market_b, "month": 2, "note": "Trước Tết"},
        ],
    )
    return plan["id"], {t["site_id"]: t["id"] for t in added}


def test_plan_from_draft_to_inspections(client: TestClient, world: World) -> None:
    freeze(client, TODAY)
    plan_id, targets = _planned(client, world)
    draft = client.get(f"{PLANS}/{plan_id}", headers=world.auth("admin")).json()
    assert (draft["state"], draft["number"], draft["number_text"]) == ("draft", None, None)
    assert draft["subject"] == "Kiểm tra nhà nước về đo lường năm 2027"
    assert draft["issuer_name"] == "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"
    assert (draft["period_from"], draft["period_to"]) == ("2027-01-01", "2027-12-31")
    assert [u["code"] for u in draft["units"]] == ["18754", "18781"]
    assert [(t["site_name"], t["window_from"], t["window_to"]) for t in draft["targets"]] == [
        ("Chợ Kỳ Anh", "2027-01-01", "2027-01-31"),
        ("Chợ Kỳ Đồng", "2027-02-01", "2027-02-28"),
        ("Cửa hàng xăng dầu số 5", "2027-03-01", "2027-03-15"),
    ]

    # An approved plan cannot open before approval.
    open_for(client, world, plan_id, targets[world.market_a], expect=409)
    approved = approve(client, world, plan_id)
    assert approved["state"] == "approved"
    assert approved["number_text"] == f"Số: {approved['number']:02d}/KH-SKHCN"
    assert approved["signer_name"] == "Trần Văn Nam"
    # The next plan of the same body and year takes the next number of the register.
    second = create_plan(client, world, units=("18754",), kinds=("market",))
    add_targets(client, world, second["id"], [{"site_id": world.market_a, "month": 6}])
    assert approve(client, world, second["id"])["number"] == approved["number"] + 1

    # Frozen: every change is refused with 409 in both languages.
    url = f"{PLANS}/{plan_id}"
    for r in (
        client.patch(url, json={"content": "khác"}, headers=world.auth("admin")),
        client.post(f"{url}/targets", json={"targets": [{"site_id": world.market_a, "month": 5}]},
                    headers=world.auth("admin")),
        client.delete(f"{url}/targets/{targets[world.market_a]}", headers=world.auth("admin")),
        client.post(f"{url}/approve", json={"approved_on": "2027-01-06", "signer_name": "Ai Đó"},
                    headers=world.auth("admin")),
    ):  # fmt: skip
        assert r.status_code == 409, r.text
        error = r.json()["error"]
        assert "approved" in error["message"]
        assert "đã được phê duyệt" in error["message_vi"]
        assert approved["number_text"].removeprefix("Số: ") in error["message_vi"]

    # Plan → inspection: the inspector of commune A opens the market's inspection.
    opened = open_for(client, world, plan_id, targets[world.market_a])
    assert opened["target"]["done"] is True
    inspection = client.get(
        f"{API}/inspections/{opened['inspection_id']}", headers=world.auth("admin")
    ).json()
    assert inspection["site_id"] == world.market_a
    assert inspection["inspected_on"] == TODAY.isoformat()
    assert inspection["note"] == f"Theo Kế hoạch số {approved['number']:02d}/KH-SKHCN"
    # A target opens at most one inspection: again is 409, naming the one it has.
    again = client.post(
        f"{url}/targets/{targets[world.market_a]}/inspection",
        json={"inspector": "Lê Văn Hùng"},
        headers=world.auth("admin"),
    )
    assert again.status_code == 409
    assert again.json()["error"]["details"] == [{"inspection_id": opened["inspection_id"]}]
    shown = client.get(url, headers=world.auth("admin")).json()
    assert (shown["targets_total"], shown["targets_done"]) == (3, 1)
    done = {t["site_id"]: t["inspection_id"] for t in shown["targets"]}
    assert done == {
        world.market_a: opened["inspection_id"],
        world.market_b: None,
        world.station_a: None,
    }
    listed = client.get(PLANS, params={"year": 2027}, headers=world.auth("admin")).json()
    assert [(p["id"], p["targets_done"]) for p in listed["items"]] == [
        (second["id"], 0),
        (plan_id, 1),
    ]


def test_opening_is_checked(client: TestClient, world: World) -> None:
    freeze(client, TODAY)
    plan_id, targets = _planned(client, world)
    approve(client, world, plan_id)
    # The inspections service checks the caller's jurisdiction over the site.
    open_for(client, world, plan_id, targets[world.market_b], role="inspector_a", expect=403)
    open_for(client, world, plan_id, targets[world.market_b], role="viewer", expect=403)
    # Dates: not in the future (the inspections service), not outside the plan's period.
    future = open_for(
        client, world, plan_id, targets[world.market_b], role="inspector_b",
        inspected_on="2027-01-16", expect=422,
    )  # fmt: skip
    assert future["error"]["details"][0]["loc"] == ["body", "inspected_on"]
    before = open_for(
        client, world, plan_id, targets[world.market_b], role="inspector_b",
        inspected_on="2026-12-31", expect=422,
    )  # fmt: skip
    assert "thời gian của kế hoạch" in before["error"]["message_vi"]
    # A failed opening leaves the target open and stores no inspection.
    shown = client.get(f"{PLANS}/{plan_id}", headers=world.auth("admin")).json()
    assert shown["targets_done"] == 0
    listed = client.get(f"{API}/inspections", headers=world.auth("admin")).json()
    assert listed["total"] == 0
    ok = open_for(client, world, plan_id, targets[world.market_b], role="inspector_b")
    assert ok["target"]["inspection_id"] == ok["inspection_id"]
    missing = client.post(
        f"{PLANS}/{plan_id}/targets/999999/inspection",
        json={"inspector": "Lê Văn Hùng"},
        headers=world.auth("admin"),
    )
    assert missing.status_code == 404


def test_scope_refusals(client: TestClient, world: World) -> None:
    freeze(client, TODAY)
    plan = create_plan(client, world, units=("18754",), kinds=("market",))
    pid = plan["id"]

    def refused(item: dict[str, object]) -> dict[str, str]:
        error: dict[str, str] = add_targets(client, world, pid, [item], expect=422)["error"]
        return error

    outside = refused({"site_id": world.market_b, "month": 3})
    assert "outside the plan's units" in outside["message"]
    assert "nằm ngoài địa bàn" in outside["message_vi"]
    kind = refused({"site_id": world.station_a, "month": 3})
    assert "kind the plan does not cover" in kind["message"]
    assert "không thuộc phạm vi" in kind["message_vi"]
    late = refused({"site_id": world.market_a, "window_from": "2027-12-20",
                    "window_to": "2028-01-10"})  # fmt: skip
    assert "Thời gian kiểm tra nằm ngoài" in late["message_vi"]
    assert refused({"site_id": 999_999, "month": 3})["message_vi"].startswith("Không có địa điểm")
    both = add_targets(
        client, world, pid,
        [{"site_id": world.market_a, "month": 3, "window_from": "2027-03-01",
          "window_to": "2027-03-02"}], expect=422,
    )  # fmt: skip
    assert both["error"]["code"] == "invalid"
    # All or none: one bad target keeps the good one out too.
    add_targets(
        client, world, pid,
        [{"site_id": world.market_a, "month": 4}, {"site_id": world.market_b, "month": 4}],
        expect=422,
    )  # fmt: skip
    assert client.get(f"{PLANS}/{pid}", headers=world.auth("admin")).json()["targets"] == []
    add_targets(client, world, pid, [{"site_id": world.market_a, "month": 4}])
    dup = refused({"site_id": world.market_a, "month": 4})
    assert "đã có trong kế hoạch" in dup["message_vi"]
    # Narrowing a draft's scope under its targets is refused too.
    r = client.patch(
        f"{PLANS}/{pid}", json={"period_to": "2027-03-31"}, headers=world.auth("admin")
    )
    assert r.status_code == 422
    assert "ngoài thời gian của kế hoạch" in r.json()["error"]["message_vi"]
    r = client.patch(
        f"{PLANS}/{pid}", json={"content": "Nội dung mới"}, headers=world.auth("admin")
    )
    assert r.json()["content"] == "Nội dung mới"

    # The plan itself: units inside the issuer's area, a province or commune issuer, a period.
    commune = create_plan(client, world, issuer="18754", units=("18781",), expect=422)
    assert "ngoài địa bàn của đơn vị ban hành" in commune["error"]["message_vi"]
    assert commune["error"]["details"][0]["loc"] == ["body", "unit_codes", 0]
    unknown = create_plan(client, world, issuer="99999", expect=422)
    assert unknown["error"]["details"][0]["loc"] == ["body", "issuer_unit_code"]
    backwards = create_plan(
        client, world, period_from="2027-06-01", period_to="2027-05-01", expect=422
    )
    assert "kết thúc trước khi bắt đầu" in backwards["error"]["message_vi"]
    # An empty plan is not approved.
    empty = create_plan(client, world)
    nothing = approve(client, world, empty["id"], expect=422)
    assert "ít nhất một đối tượng" in nothing["error"]["message_vi"]
    ahead = approve(client, world, pid, on="2027-01-16", expect=422)
    assert ahead["error"]["details"][0]["loc"] == ["body", "approved_on"]


def test_a_commune_plans_its_own_markets(client: TestClient, world: World) -> None:
    freeze(client, TODAY)
    plan = create_plan(client, world, issuer="18754", units=("18754",))
    assert plan["issuer_name"] == "Ủy ban nhân dân phường Sông Trí"
    add_targets(client, world, plan["id"], [{"site_id": world.market_a, "month": 2}])
    # No authority given: the level's own signature block.
    r = client.post(
        f"{PLANS}/{plan['id']}/approve",
        json={"approved_on": "2027-01-05", "signer_name": "Nguyễn Văn An"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    approved = r.json()
    assert approved["number_text"] == f"Số: {approved['number']:02d}/KH-UBND"
    assert (approved["signer_authority"], approved["signer_position"]) == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    )
    pdf = client.get(f"{PLANS}/{plan['id']}/plan.pdf", headers=world.auth("inspector_a"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_who_may_do_what(client: TestClient, world: World) -> None:
    freeze(client, TODAY)
    province = create_plan(client, world, units=("42",))
    only_a = create_plan(client, world, units=("18754",))
    for role in ("inspector_a", "viewer"):
        assert create_plan(client, world, role=role, expect=403)["error"]["code"] == "forbidden"
        add_targets(client, world, only_a["id"], [{"site_id": world.market_a, "month": 1}],
                    role=role, expect=403)  # fmt: skip
        approve(client, world, only_a["id"], role=role, expect=403)
        r = client.patch(f"{PLANS}/{only_a['id']}", json={"content": "x"},
                         headers=world.auth(role))  # fmt: skip
        assert r.status_code == 403
    assert client.get(PLANS).status_code == 401
    assert client.get(f"{PLANS}/{only_a['id']}/plan.pdf").status_code == 401

    def visible(role: str) -> list[int]:
        r = client.get(PLANS, headers=world.auth(role))
        assert r.status_code == 200, r.text
        return sorted(p["id"] for p in r.json()["items"])

    assert visible("viewer") == sorted([province["id"], only_a["id"]])
    assert visible("inspector_a") == sorted([province["id"], only_a["id"]])
    assert visible("inspector_b") == [province["id"]]  # a province plan covers commune B
    url = f"{PLANS}/{only_a['id']}"
    assert client.get(url, headers=world.auth("inspector_a")).status_code == 200
    denied = client.get(url, headers=world.auth("inspector_b"))
    assert denied.status_code == 403
    assert "không bao gồm địa bàn" in denied.json()["error"]["message_vi"]
    assert client.get(f"{url}/plan.pdf", headers=world.auth("inspector_b")).status_code == 403
    assert (
        client.get(f"{PLANS}/{province['id']}", headers=world.auth("inspector_b")).status_code
        == 200
    )
    assert client.get(f"{PLANS}/999999", headers=world.auth("admin")).status_code == 404


def test_a_target_is_claimed_once(client: TestClient, world: World, db: Session) -> None:
    freeze(client, TODAY)
    plan_id, targets = _planned(client, world)
    approve(client, world, plan_id)
    first = open_for(client, world, plan_id, targets[world.market_a])["inspection_id"]
    other = open_for(client, world, plan_id, targets[world.station_a])["inspection_id"]
    repo = PlanRepository(db)
    # The conditional update that records the inspection moves nothing a second time.
    assert repo.claim_target(targets[world.market_a], other) is False
    assert db.get(InspectionPlanTarget, targets[world.market_a]).inspection_id == first  # type: ignore[union-attr]
