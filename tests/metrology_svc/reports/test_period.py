"""Reports over any period, the office's texts kept with them, the register's number, and the
one "overdue" the report and the dashboard share (failed counted apart)."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from metrology_svc.inspections.models import Inspection
from metrology_svc.units.models import AdminUnit
from metrology_svc.web.queries import count_by_unit_path_and_state
from tests.factories import World
from tests.metrology_svc.reports.support import TODAY, make_year
from tests.metrology_svc.reports.test_exports import pdf_text
from tests.metrology_svc.stamps.support import API, BAD_POINTS, new_scale, verify
from tests.metrology_svc.web.conftest import login

URL = f"{API}/reports/yearly"
PERIOD = {"unit_code": "18754", "period_from": "2021-01-01", "period_to": "2025-12-31"}
TEXTS = {
    "achievements": "Duy trì hoạt động của hệ thống cân đối chứng tại các chợ.\nKiểm tra "
    "cửa hàng xăng dầu, cửa hàng vàng bạc theo kế hoạch.",
    "shortcomings": "Cán bộ cấp cơ sở kiêm nhiệm; một số hộ kinh doanh chưa kiểm định cân.",
    "next_steps": "Tiếp tục tuyên truyền, kiểm tra định kỳ tại các chợ.",
    "proposals": "Đề nghị Sở Khoa học và Công nghệ hỗ trợ tập huấn nghiệp vụ.",
}


def _get(client: TestClient, world: World, params: dict[str, Any]) -> dict[str, Any]:
    r = client.get(URL, params=params, headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_report_over_five_years_and_over_one(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    five = _get(client, world, PERIOD)
    assert (five["period"], five["year"], five["as_of"]) == (
        "giai đoạn 2021-2025",
        2025,
        "2025-12-31",
    )
    # S1 (15/01/2023), S3 (01/06/2023) and S5 (10/12/2024) passed within the period.
    t = five["verified_total"]
    assert (t["verifications"], t["passed"], t["failed"]) == (3, 3, 0)
    assert five["inspections"]["inspections"] == 1  # 15/12/2025; those of 2026 are outside
    assert [
        (k["site_kind"], k["findings"], k["violations"]) for k in five["inspections_by_site"]
    ] == [("market", 1, 1)]
    # At the end of 2025: S1 and S3 overdue, S2 and S6 never verified (S2 failed in 2026).
    due = five["due"]["total"]
    assert (due["overdue"], due["never_verified"], due["failed"]) == (2, 3, 0)
    one = _get(client, world, {"unit_code": "18754", "year": 2026})
    assert (one["period"], one["period_from"], one["period_to"]) == (
        "năm 2026",
        "2026-01-01",
        "2026-12-31",
    )
    assert one["verified_total"]["verifications"] == 3
    # By kind of site: the market (a broken seal) and the fuel station (two violations).
    by_site = {
        k["site_kind"]: (k["inspections"], k["findings"], k["violations"])
        for k in one["inspections_by_site"]
    }
    assert by_site == {"market": (1, 1, 1), "fuel_station": (1, 2, 2)}
    # The same period given as dates is the same report.
    dates = _get(
        client,
        world,
        {"unit_code": "18754", "period_from": "2026-01-01", "period_to": "2026-12-31"},
    )
    assert dates["verified_total"] == one["verified_total"]
    pdf = client.get(f"{API}/reports/yearly.pdf", params=PERIOD, headers=world.auth("admin"))
    assert "bao-cao-do-luong-18754-2021-2025.pdf" in pdf.headers["content-disposition"]


def test_a_period_is_checked(client: TestClient, db: Session, world: World) -> None:
    make_year(client, db, world)
    for params in [
        {"unit_code": "18754", "period_from": "2025-12-31", "period_to": "2021-01-01"},
        {"unit_code": "18754", "period_from": "2027-01-01", "period_to": "2027-12-31"},
        {"unit_code": "18754", "period_from": "2021-01-01"},
        {"unit_code": "18754"},
    ]:
        r = client.get(URL, params=params, headers=world.auth("admin"))
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"]["message_vi"]


def _dashboard_overdue(db: Session, path: str) -> tuple[int, int]:
    counts = count_by_unit_path_and_state(db, None, today=TODAY, due_soon_days=30)
    return (
        sum(n for p, s, n in counts if p == path and s == "overdue"),
        sum(n for p, s, n in counts if p == path and s == "failed"),
    )


def test_overdue_is_the_dashboards_and_failed_is_apart(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    # S8 passed in 2023 (due 2025) and failed in 2026: failed, not overdue as well.
    s8 = new_scale(client, world, serial="LX-S8")
    verify(client, world, s8, on="2023-02-01")
    verify(client, world, s8, on="2026-04-01", points=BAD_POINTS)
    r = _get(client, world, {"unit_code": "18754", "year": 2026})
    due = r["due"]["total"]
    path = db.exec(select(AdminUnit.path).where(AdminUnit.code == "18754")).first()
    assert path is not None
    assert (due["overdue"], due["failed"]) == _dashboard_overdue(db, path)
    # And as the dashboard page prints it (columns: due, overdue, failed, suspended, total).
    login(client, db, "admin")
    page = client.get("/web/").text
    row = page.split('id="by-unit"')[1].split(">Phường Sông Trí</")[1].split("</tr>")[0]
    cells = [cell.split(">")[1].split("<")[0] for cell in row.split("<td")[1:]]
    assert cells[1:3] == [str(due["overdue"]), str(due["failed"])]
    # S3 overdue; S2 and S8 failed (S8 also past its old due date: counted once, as failed).
    assert (due["overdue"], due["failed"]) == (1, 2)
    states = ("in_service", "due_soon", "overdue", "never_verified", "failed", "suspended")
    assert sum(due[s] for s in states) == due["instruments"]  # one state each


def test_texts_are_kept_and_the_number_stays_on_reprint(
    client: TestClient, db: Session, world: World, tmp_path: Path
) -> None:
    make_year(client, db, world)
    body = {**TEXTS, "unit_code": "18754", "period_from": "2021-01-01", "period_to": "2025-12-31"}
    saved = client.put(f"{API}/reports/texts", json=body, headers=world.auth("inspector_a"))
    assert saved.status_code == 200, saved.text
    assert saved.json()["texts"]["next_steps"] == TEXTS["next_steps"]
    assert saved.json()["number"] is None
    draft = pdf_text(
        client.get(f"{API}/reports/yearly.pdf", params=PERIOD, headers=world.auth("admin")).content,
        tmp_path,
    )
    assert "/BC-UBND" in draft
    assert "Số: 1/" not in draft
    issued = client.post(f"{API}/reports/issue", params=PERIOD, headers=world.auth("admin"))
    assert issued.status_code == 200, issued.text
    assert (issued.json()["number"], issued.json()["issued_on"]) == (1, TODAY.isoformat())
    # Another report of the same body takes the next number; issuing again keeps its own.
    other = client.post(
        f"{API}/reports/issue",
        params={"unit_code": "18754", "year": 2026},
        headers=world.auth("admin"),
    )
    assert other.json()["number"] == 2
    again = client.post(f"{API}/reports/issue", params=PERIOD, headers=world.auth("admin"))
    assert again.json()["number"] == 1
    prints = [
        pdf_text(
            client.get(
                f"{API}/reports/yearly.pdf", params=PERIOD, headers=world.auth("viewer")
            ).content,
            tmp_path,
        )
        for _ in range(2)
    ]
    for printed in prints:
        assert "Số: 1/BC-UBND" in printed
        assert f"Sông Trí, ngày {TODAY.day:02d} tháng {TODAY.month} năm {TODAY.year}" in printed
        flat = " ".join(printed.split())
        for words in TEXTS.values():
            for line in words.splitlines():
                assert " ".join(line.split()) in flat, line
    # Issued: the text is the record.
    late = client.put(f"{API}/reports/texts", json=body, headers=world.auth("admin"))
    assert late.status_code == 409
    assert "đã ban hành" in late.json()["error"]["message_vi"]
    # Others may not write or issue: another commune's inspector, a viewer.
    assert (
        client.put(f"{API}/reports/texts", json=body, headers=world.auth("inspector_b")).status_code
        == 403
    )
    assert (
        client.post(f"{API}/reports/issue", params=PERIOD, headers=world.auth("viewer")).status_code
        == 403
    )
    assert date.fromisoformat(issued.json()["issued_on"]) == TODAY


def _check(db: Session, inspection_id: int, kind: str, verdict: str, *, proposed: bool) -> None:
    """Store a measurement check row (the measurement_checks package's table) by its columns."""
    db.execute(
        text(
            "INSERT INTO measurement_check (inspection_id, kind, goods, unit, checked_on, "
            "declared, measured, shortfall, verdict, violation_proposed, reason, reason_vi, "
            "rule_binding, note, recorded_at) VALUES (:i, :k, '', 'g', :d, 1000, 990, 10, :v, "
            ":p, '', '', true, '', :at)"
        ),
        {
            "i": inspection_id,
            "k": kind,
            "d": date(2026, 11, 21),
            "v": verdict,
            "p": proposed,
            "at": datetime(2026, 11, 21, 8, tzinfo=UTC),
        },
    )


def test_measurement_checks_at_inspections_are_counted_by_kind(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    if not inspect(db.connection()).has_table("measurement_check"):
        pytest.skip("the measurement_checks package's table is not in this schema")
    station = db.exec(
        select(Inspection.id).where(Inspection.inspected_on == date(2026, 11, 21))
    ).one()
    assert station is not None
    _check(db, station, "petrol_delivery", "short", proposed=True)
    _check(db, station, "petrol_delivery", "within", proposed=False)
    _check(db, station, "gold_measurement", "unsuitable_scale", proposed=False)
    _check(db, station, "a_later_kind", "within", proposed=False)
    db.commit()
    checks = _get(client, world, {"unit_code": "18754", "year": 2026})["measurement_checks"]
    fields = ("name_vi", "checks", "short", "unsuitable_scale", "violations")
    assert [tuple(c[f] for f in fields) for c in checks] == [
        ("a_later_kind", 1, 0, 0, 0),  # a kind the report does not know: named by its code
        ("Cân lại vàng trang sức, mỹ nghệ", 1, 0, 1, 0),
        ("Đong lại xăng dầu", 2, 1, 0, 1),
    ]
    assert _get(client, world, PERIOD)["measurement_checks"] == []  # none before 2026
    other = _get(client, world, {"unit_code": "18781", "year": 2026})
    assert other["measurement_checks"] == []  # made in Sông Trí only
