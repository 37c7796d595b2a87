"""A whole inspection at market A on 2026-11-22: decision, team, one finding of every kind,
measures, closing with the party refusing to sign (used by the procedure and papers tests)."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import World
from tests.metrology_svc.inspections.support import (
    TEAM,
    decision_body,
    finding,
    open_inspection,
    put,
    statuses,
    sync,
)
from tests.metrology_svc.stamps.support import API, freeze, issued, new_scale, verify

BEYOND_IN_SERVICE = [{"reference": 15000, "indicated": 15151}]


@dataclass
class Flow:
    """What the flow made: the inspection, instruments by finding kind, measures, answers."""

    inspection: dict[str, Any]
    ids: dict[str, int] = field(default_factory=dict)
    decision: dict[str, Any] = field(default_factory=dict)
    measure_uuid: str = ""
    measure_answers: list[int] = field(default_factory=list)


def _scales(client: TestClient, world: World) -> tuple[dict[str, int], dict[str, str]]:
    ids, codes = {}, {}
    for kind in ("broken_seal", "error_beyond_mpe", "no_stamp", "type_not_approved",
                 "unsuitable_scale", "stamp_forged"):  # fmt: skip
        stamp = issued(client, world, serial=f"NHS-{kind[:8].upper()}")
        ids[kind], codes[kind] = stamp["instrument_id"], stamp["code"]
    old = new_scale(client, world, serial="NHS-2024-OLD")
    verify(client, world, old, on="2024-11-01")  # 24 months: expired on 2026-11-01
    ids["expired_stamp"] = old
    return ids, codes


def _measure(client: TestClient, world: World, insp: int, body: dict[str, Any]) -> int:
    r = client.post(
        f"{API}/inspections/{insp}/measures", json=body, headers=world.auth("inspector_a")
    )
    assert r.status_code in (200, 201), r.text
    code: int = r.status_code
    return code


def run(client: TestClient, world: World) -> Flow:
    """Run the whole inspection and return what it made (the inspection is closed)."""
    freeze(client, date(2026, 11, 22))
    ids, codes = _scales(client, world)
    flow = Flow(inspection=open_inspection(client, world), ids=ids)
    insp = flow.inspection["id"]
    flow.decision = put(
        client, world, insp, "decision",
        decision_body(world, party_kind="owner", owner_id=world.owner_vi,
                      representative_position="Chủ hộ kinh doanh"),
    )["decision"]  # fmt: skip
    put(client, world, insp, "team", {"members": TEAM})
    # A genuine code of another instrument, found on this one: a copy, the stamp check says.
    copied = codes["broken_seal"]
    batch = [
        finding("broken_seal", stamp_code=codes["broken_seal"], note="kẹp chì bị cắt"),
        finding(
            "error_beyond_mpe", instrument_id=ids["error_beyond_mpe"], points=BEYOND_IN_SERVICE
        ),
        finding("no_stamp", instrument_id=ids["no_stamp"], note="tem bị bóc"),
        finding("type_not_approved", instrument_id=ids["type_not_approved"]),
        finding("unsuitable_scale", instrument_id=ids["unsuitable_scale"], goods="vàng trang sức"),
        finding("stamp_forged", instrument_id=ids["stamp_forged"], stamp_code=copied),
        finding("expired_stamp", instrument_id=ids["expired_stamp"]),
        finding("no_stamp", note="cân treo không có tem, sạp số 12"),
    ]
    result = sync(client, world, insp, batch)
    assert statuses(result) == ["created"] * len(batch), result
    flow.measure_uuid = str(uuid.uuid4())
    sealing = {
        "client_uuid": flow.measure_uuid, "kind": "sealing",
        "instrument_id": ids["error_beyond_mpe"], "seal_numbers": ["NP-0012", "NP-0013"],
    }  # fmt: skip
    flow.measure_answers = [_measure(client, world, insp, sealing) for _ in range(2)]
    _measure(client, world, insp, {
        "kind": "verification_request", "instrument_id": ids["expired_stamp"],
        "deadline": "2026-12-07", "note": "kiểm định định kỳ",
    })  # fmt: skip
    # A pork re-weighing on the inspectors' scale (measurement_checks package), for the minutes.
    check = {"kind": "retail_weighing", "goods": "thịt lợn", "declared": 1000, "measured": 990}
    r = client.post(
        f"{API}/inspections/{insp}/measurement-checks",
        json=check,
        headers=world.auth("inspector_a"),
    )
    assert r.status_code == 201, r.text
    close = {
        "party_signature": "refused",
        "refusal_note": "Bà Nguyễn Thị Hoa không đồng ý với kết quả và từ chối ký.",
        "conclusion": "Bảy phương tiện đo vi phạm quy định về đo lường.",
    }
    r = client.post(
        f"{API}/inspections/{insp}/close", json=close, headers=world.auth("inspector_a")
    )
    assert r.status_code == 200, r.text
    return flow
