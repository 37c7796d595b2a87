"""The inspection plan pages: list and draft, a plan with its targets, approval, inspections
opened from targets, refusals, errors in the page (vi / en), and the PDF for the browser."""

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from metrology_svc.inspection_plans.models import InspectionPlan, InspectionPlanTarget
from metrology_svc.inspections.models import Inspection
from tests.factories import World
from tests.metrology_svc.inspection_plans.support import add_targets, approve, create_plan
from tests.metrology_svc.stamps.support import freeze
from tests.metrology_svc.web.conftest import login

TODAY = date(2027, 1, 15)
PURPOSE = "Phát hiện, ngăn ngừa vi phạm về đo lường trong mua bán."


def _draft_form(csrf: str, **more: object) -> dict[str, object]:
    return {
        "csrf": csrf,
        "year": "2027",
        "issuer_unit_code": "42",
        "unit_codes": ["18754", "18781"],
        "site_kinds": ["market", "fuel_station"],
        "purpose": PURPOSE,
        "content": "Kiểm tra tem kiểm định, sai số của phương tiện đo nhóm 2.",
        "resources": "Đoàn kiểm tra gồm 03 công chức; quả cân chuẩn M1.",
        **more,
    }


def _target_ids(db: Session, plan_id: int) -> dict[int, int]:
    rows = db.exec(select(InspectionPlanTarget).where(InspectionPlanTarget.plan_id == plan_id))
    return {t.site_id: t.id or 0 for t in rows}


def test_an_admin_drafts_plans_targets_and_approves(
    client: TestClient, db: Session, world: World
) -> None:
    freeze(client, TODAY)
    csrf = login(client, db, "admin")
    page = client.get("/web/plans")
    assert page.status_code == 200
    assert "Kế hoạch kiểm tra nhà nước về đo lường" in page.text
    assert 'id="create-form"' in page.text
    assert 'value="18754"' in page.text  # a commune of the province offered for the scope
    made = client.post("/web/plans", data=_draft_form(csrf), follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"].split("?")[0]
    plan_id = int(url.rsplit("/", 1)[1])
    plan = db.get(InspectionPlan, plan_id)
    assert plan is not None
    assert (plan.state, plan.period_from, plan.purpose) == ("draft", date(2027, 1, 1), PURPOSE)
    shown = client.get(made.headers["location"])
    assert shown.status_code == 200
    assert "Đã lưu dự thảo kế hoạch." in shown.text
    assert "Kiểm tra nhà nước về đo lường năm 2027" in shown.text
    assert "01/01/2027 – 31/12/2027" in shown.text
    assert "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh" in shown.text
    assert 'id="add-form"' in shown.text
    assert 'id="approve-form"' in shown.text
    assert f'id="s-{world.market_b}"' in shown.text  # commune B's market is in scope

    # Two sites for February, one at a time; the listed plan counts them.
    added = client.post(
        f"{url}/targets",
        data={"csrf": csrf, "site_id": [str(world.market_a), str(world.market_b)], "month": "2"},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    ids = _target_ids(db, plan_id)
    assert set(ids) == {world.market_a, world.market_b}
    page = client.get(url)
    assert "Tháng 2/2027" in page.text
    assert f'id="remove-{ids[world.market_b]}"' in page.text
    listed = client.get("/web/plans")
    item = re.search(rf'data-plan="{plan_id}".*?</li>', listed.text, re.S)
    assert item is not None
    assert "Dự thảo" in item.group(0)
    assert "<b>2</b>" in item.group(0)

    # Remove one (a draft may change), then approve with the register's number.
    removed = client.post(
        f"{url}/targets/{ids[world.market_b]}/remove", data={"csrf": csrf}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert set(_target_ids(db, plan_id)) == {world.market_a}
    body = {"csrf": csrf, "approved_on": "2027-01-05", "signer_authority": "KT. GIÁM ĐỐC",
            "signer_position": "PHÓ GIÁM ĐỐC", "signer_name": "Trần Văn Nam"}  # fmt: skip
    done = client.post(f"{url}/approve", data=body, follow_redirects=False)
    assert done.status_code == 303, done.text
    db.refresh(plan)
    assert plan.state == "approved"
    assert plan.number is not None
    page = client.get(url)
    assert f"Số: {plan.number:02d}/KH-SKHCN" in page.text
    assert "05/01/2027" in page.text
    assert "Trần Văn Nam" in page.text
    assert 'id="add-form"' not in page.text
    assert 'id="remove-' not in page.text
    # Approved: a second approval is refused in the page (409), nothing changes.
    again = client.post(f"{url}/approve", data=body)
    assert again.status_code == 409
    assert "đã được phê duyệt" in again.text
    pdf = client.get(f"{url}/plan.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert f"KH-{plan.number:02d}-2027.pdf" in pdf.headers["content-disposition"]


def test_an_inspector_opens_the_inspection_of_a_target(
    client: TestClient, db: Session, world: World
) -> None:
    freeze(client, TODAY)
    plan = create_plan(client, world)
    add_targets(
        client,
        world,
        plan["id"],
        [{"site_id": world.market_a, "month": 1}, {"site_id": world.market_b, "month": 2}],
    )
    url = f"/web/plans/{plan['id']}"
    ids = _target_ids(db, plan["id"])
    csrf = login(client, db, "inspector_a")
    draft = client.get(url)
    assert draft.status_code == 200
    assert 'id="open-' not in draft.text  # a draft opens nothing
    approve(client, world, plan["id"])
    page = client.get(url)
    assert f'id="open-{ids[world.market_a]}"' in page.text
    assert f'id="open-{ids[world.market_b]}"' not in page.text  # commune B is not theirs
    assert 'id="approve-form"' not in page.text
    form = {"csrf": csrf, "inspector": "Lê Văn Hùng"}
    # A date after today is refused next to its field, with 422, and nothing is opened.
    bad = client.post(
        f"{url}/targets/{ids[world.market_a]}/inspection",
        data={**form, "inspected_on": "2027-01-20"},
    )
    assert bad.status_code == 422
    assert "Ngày kiểm tra ở tương lai." in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert db.exec(select(Inspection)).all() == []
    opened = client.post(
        f"{url}/targets/{ids[world.market_a]}/inspection", data=form, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    location = opened.headers["location"]
    assert re.fullmatch(r"/web/inspections/\d+", location)
    inspection_id = int(location.rsplit("/", 1)[1])
    found = db.get(Inspection, inspection_id)
    assert found is not None
    assert found.site_id == world.market_a
    assert found.inspected_on == TODAY
    assert client.get(location).status_code == 200
    page = client.get(url)
    assert f'href="/web/inspections/{inspection_id}"' in page.text
    assert f'id="open-{ids[world.market_a]}"' not in page.text
    # Commune B's target: the inspections service refuses inspector A (403 page).
    other = client.post(f"{url}/targets/{ids[world.market_b]}/inspection", data=form)
    assert other.status_code == 403
    # Opening the same target again: 409 shown in the page, naming the inspection.
    again = client.post(f"{url}/targets/{ids[world.market_a]}/inspection", data=form)
    assert again.status_code == 409
    assert f"đã có cuộc kiểm tra {inspection_id}" in again.text
    assert len(db.exec(select(Inspection)).all()) == 1


def test_refusals_for_other_units_and_viewers(
    client: TestClient, db: Session, world: World
) -> None:
    freeze(client, TODAY)
    only_a = create_plan(client, world, units=("18754",))
    add_targets(client, world, only_a["id"], [{"site_id": world.market_a, "month": 3}])
    url = f"/web/plans/{only_a['id']}"
    # Inspector B: the plan is not in the list, and its page and PDF are refused.
    login(client, db, "inspector_b")
    assert f'data-plan="{only_a["id"]}"' not in client.get("/web/plans").text
    denied = client.get(url)
    assert denied.status_code == 403
    assert "không bao gồm địa bàn" in denied.text
    assert client.get(f"{url}/plan.pdf").status_code == 403
    assert client.get("/web/plans/999999").status_code == 404
    # A viewer reads every plan but gets no form, and a posted one is refused.
    csrf = login(client, db, "viewer")
    assert f'data-plan="{only_a["id"]}"' in client.get("/web/plans").text
    page = client.get(url)
    assert page.status_code == 200
    assert '<form method="post" action="/web/plans' not in page.text
    assert 'id="create-form"' not in client.get("/web/plans").text
    before = db.exec(select(InspectionPlan)).all()
    assert client.post("/web/plans", data=_draft_form(csrf)).status_code == 403
    assert len(db.exec(select(InspectionPlan)).all()) == len(before)
    target = _target_ids(db, only_a["id"])[world.market_a]
    for path, data in (
        (f"{url}/targets", {"site_id": str(world.market_a), "month": "4"}),
        (f"{url}/targets/{target}/remove", {}),
        (f"{url}/approve", {"approved_on": "2027-01-05", "signer_name": "Trần Văn Nam"}),
    ):
        assert client.post(path, data={"csrf": csrf, **data}).status_code == 403, path
    assert set(_target_ids(db, only_a["id"])) == {world.market_a}
    # Without the form's token even an administrator is refused.
    login(client, db, "admin")
    assert client.post("/web/plans", data=_draft_form("0" * 64)).status_code == 403
    # Logged out: the pages send the browser to the login form.
    client.cookies.clear()
    out = client.get(url, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"].startswith("/web/login")


def test_invalid_input_is_shown_in_the_page(client: TestClient, db: Session, world: World) -> None:
    freeze(client, TODAY)
    csrf = login(client, db, "admin")
    before = len(db.exec(select(InspectionPlan)).all())
    # No unit, no kind, a period that ends before it begins: 422 and the fields marked.
    bad = client.post(
        "/web/plans",
        data=_draft_form(csrf, unit_codes=[], site_kinds=[], period_from="2027-06-01"),
    )
    assert bad.status_code == 422
    assert 'id="e-unit_codes"' in bad.text
    assert 'id="e-site_kinds"' in bad.text
    assert "Cần ít nhất một mục." in bad.text
    assert PURPOSE in bad.text  # what was typed is kept
    outside = client.post("/web/plans", data=_draft_form(csrf, issuer_unit_code="18754"))
    assert outside.status_code == 422
    assert "nằm ngoài địa bàn của đơn vị ban hành 18754" in outside.text
    english = client.post(
        "/web/plans?lang=en", data=_draft_form(csrf, period_from="2027-06-01",
                                               period_to="2027-05-01"),
    )  # fmt: skip
    assert english.status_code == 422
    assert "The period ends before it begins." in english.text
    assert 'id="e-period_to"' in english.text
    assert len(db.exec(select(InspectionPlan)).all()) == before

    plan = create_plan(client, world, units=("18754",), kinds=("market",))
    url = f"/web/plans/{plan['id']}"
    # Neither a month nor a window; a site of a kind the plan does not cover; no site at all.
    none = client.post(
        f"{url}/targets?lang=vi", data={"csrf": csrf, "site_id": str(world.market_a)}
    )
    assert none.status_code == 422
    assert "Chọn tháng, hoặc nhập cả từ ngày và đến ngày." in none.text
    en = client.post(f"{url}/targets?lang=en", data={"csrf": csrf, "site_id": str(world.market_a)})
    assert "Choose a month, or give both dates." in en.text
    kind = client.post(
        f"{url}/targets?lang=vi",
        data={"csrf": csrf, "site_id": [str(world.market_a), str(world.station_a)], "month": "3"},
    )
    assert kind.status_code == 422
    assert "không thuộc phạm vi của kế hoạch" in kind.text
    empty = client.post(f"{url}/targets", data={"csrf": csrf, "month": "3"})
    assert empty.status_code == 422
    assert 'id="e-site_id"' in empty.text
    assert _target_ids(db, plan["id"]) == {}  # all or none: the good site was not kept
    # An empty plan is not approved; a missing signer is marked.
    nothing = client.post(
        f"{url}/approve",
        data={"csrf": csrf, "approved_on": "2027-01-05", "signer_name": "Trần Văn Nam"},
    )
    assert nothing.status_code == 422
    assert "ít nhất một đối tượng kiểm tra" in nothing.text
    unsigned = client.post(f"{url}/approve", data={"csrf": csrf, "approved_on": "2027-01-05"})
    assert unsigned.status_code == 422
    assert 'id="e-signer_name"' in unsigned.text
    assert db.get(InspectionPlan, plan["id"]).state == "draft"  # type: ignore[union-attr]
    missing = client.post(f"{url}/targets/999999/remove", data={"csrf": csrf})
    assert missing.status_code == 404


def test_the_pages_speak_english(client: TestClient, db: Session, world: World) -> None:
    freeze(client, TODAY)
    plan = create_plan(client, world)
    add_targets(client, world, plan["id"], [{"site_id": world.station_a, "month": 3}])
    login(client, db, "admin")
    listed = client.get("/web/plans", params={"lang": "en"})
    assert "State metrology inspection plans" in listed.text
    assert "Draft a new plan" in listed.text
    assert "Fuel station" in listed.text
    page = client.get(f"/web/plans/{plan['id']}")  # the language cookie keeps English
    assert '<html lang="en">' in page.text
    assert "Month 3/2027" in page.text
    assert "Approve and number" in page.text
    assert "Tháng 3/2027" not in page.text
    vi = client.get(f"/web/plans/{plan['id']}", params={"lang": "vi"})
    assert "Tháng 3/2027" in vi.text
    assert "Phê duyệt và cấp số" in vi.text
    assert "I. Mục đích, yêu cầu" in vi.text
    # Year filter: another year shows none of these.
    other = client.get("/web/plans", params={"year": 2030})
    assert f'data-plan="{plan["id"]}"' not in other.text
    assert 'id="no-plans"' in other.text
    assert db.exec(select(InspectionPlan).where(col(InspectionPlan.year) == 2027)).first()
