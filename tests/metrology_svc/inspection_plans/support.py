"""Helpers for plan tests: create a plan, add targets, approve, all over HTTP."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.stamps.support import API

PLANS = f"{API}/inspection-plans"


def create_plan(
    client: TestClient,
    world: World,
    *,
    issuer: str = "42",
    units: tuple[str, ...] = ("18754", "18781"),
    kinds: tuple[str, ...] = ("market", "fuel_station"),
    year: int = 2027,
    role: str = "admin",
    expect: int = 201,
    **more: Any,
) -> dict[str, Any]:
    """Create a draft plan and return it (or the error body)."""
    body = {
        "year": year,
        "issuer_unit_code": issuer,
        "unit_codes": list(units),
        "site_kinds": list(kinds),
        "purpose": "Phát hiện, ngăn ngừa vi phạm về đo lường trong mua bán.\n"
        "Kiểm tra đúng quy định, không gây phiền hà cho cơ sở.",
        "content": "Kiểm tra việc kiểm định, tem kiểm định, sai số của phương tiện đo nhóm 2.",
        "resources": "Đoàn kiểm tra gồm 03 công chức của Sở; kinh phí từ ngân sách sự nghiệp "
        "khoa học và công nghệ năm 2027; quả cân chuẩn M1, bình chuẩn 20 L.",
        **more,
    }
    r = client.post(PLANS, json=body, headers=world.auth(role))
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result


def add_targets(
    client: TestClient,
    world: World,
    plan_id: int,
    targets: list[dict[str, Any]],
    *,
    role: str = "admin",
    expect: int = 201,
) -> Any:
    """Add targets to a plan and return the answer's JSON."""
    r = client.post(
        f"{PLANS}/{plan_id}/targets", json={"targets": targets}, headers=world.auth(role)
    )
    assert r.status_code == expect, r.text
    return r.json()


def approve(
    client: TestClient,
    world: World,
    plan_id: int,
    *,
    on: str = "2027-01-05",
    role: str = "admin",
    expect: int = 200,
) -> dict[str, Any]:
    """Approve a plan and return it (or the error body)."""
    body = {
        "approved_on": on,
        "signer_authority": "KT. GIÁM ĐỐC",
        "signer_position": "PHÓ GIÁM ĐỐC",
        "signer_name": "Trần Văn Nam",
    }
    r = client.post(f"{PLANS}/{plan_id}/approve", json=body, headers=world.auth(role))
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result


def open_for(
    client: TestClient,
    world: World,
    plan_id: int,
    target_id: int,
    *,
    role: str = "inspector_a",
    expect: int = 201,
    **more: Any,
) -> dict[str, Any]:
    """Open the inspection of a target and return the answer's JSON."""
    body = {"inspector": "Lê Văn Hùng", **more}
    r = client.post(
        f"{PLANS}/{plan_id}/targets/{target_id}/inspection", json=body, headers=world.auth(role)
    )
    assert r.status_code == expect, r.text
    result: dict[str, Any] = r.json()
    return result
