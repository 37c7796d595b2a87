"""The yearly report's figures, checked number by number against a year of known activity."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.reports.support import make_year
from tests.metrology_svc.stamps.support import API


def report(
    client: TestClient, world: World, unit: str, *, year: int = 2026, role: str = "admin"
) -> dict[str, Any]:
    """Return the yearly report as JSON."""
    r = client.get(
        f"{API}/reports/yearly",
        params={"unit_code": unit, "year": year},
        headers=world.auth(role),
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _rows(items: list[dict[str, Any]], key: str, *fields: str) -> dict[str, tuple[Any, ...]]:
    return {i[key]: tuple(i[f] for f in fields) for i in items}


def test_commune_report(client: TestClient, db: Session, world: World) -> None:
    make_year(client, db, world)
    r = report(client, world, "18754", role="inspector_a")
    assert (r["unit"]["code"], r["year"], r["as_of"]) == ("18754", 2026, "2026-11-22")
    assert (r["unit"]["name"], r["unit"]["scheme"], r["unit"]["level"]) == (
        "Phường Sông Trí",
        "2025",
        "commune",
    )
    # A commune of 2025 issues its own report; no old commune went into it in this world.
    assert r["issuer"]["name"] == "Ủy ban nhân dân phường Sông Trí"
    assert r["covers"] == []

    fields = ("verifications", "instruments", "passed", "failed", "pass_rate")
    assert _rows(r["verified_by_type"], "type_code", *fields) == {
        "fuel_dispenser": (1, 1, 1, 0, 100.0),
        "scale_spring_dial": (2, 2, 1, 1, 50.0),  # S3 and S5 were verified before 2026
    }
    assert tuple(r["verified_total"][f] for f in fields) == (3, 3, 2, 1, 66.7)
    assert _rows(r["verifications_by_kind"], "kind", "verifications", "passed", "failed") == {
        "initial": (1, 1, 0),
        "periodic": (2, 1, 1),
    }

    due = r["due"]
    cols = ("instruments", "overdue", "due_soon", "never_verified", "failed", "suspended")
    # One state each (reports.states.state_on): a failed or suspended instrument is counted
    # there only, never also as overdue or never verified.
    assert _rows(due["by_type"], "type_code", *cols) == {
        "fuel_dispenser": (1, 0, 0, 0, 0, 1),  # D1 suspended: beyond the limits on inspection
        # S1 suspended (seal), S2 failed (never passed), S3 overdue, S5 due 10/12, S6 and S7
        # never verified.
        "scale_spring_dial": (6, 1, 1, 2, 1, 1),
    }
    assert tuple(due["total"][c] for c in cols) == (7, 1, 1, 2, 1, 2)

    assert r["control_scales"] == {
        "stations": 1,
        "devices": 1,
        "consumer_checks": 4,
        "shortfalls": 2,  # under the binding table only
        "indications": 1,  # beyond R 87's tolerance: shown apart, not evidence
        "missing_g": 50.5,
        "suspect_sellers": 1,
        "inspection_requests": 1,
    }
    insp = r["inspections"]
    # (Closing an inspection now needs its minutes: how many closed is the inspections' tests'.)
    assert (insp["inspections"], insp["sites"], insp["findings"]) == (2, 2, 3)
    assert _rows(insp["by_kind"], "kind", "findings", "instruments") == {
        "broken_seal": (1, 1),
        "error_beyond_mpe": (1, 1),
        "no_stamp": (1, 0),
    }
    stamps = r["stamps"]
    assert (stamps["issued"], stamps["revoked"]) == (2, 2)
    assert _rows(stamps["revoked_by_reason"], "reason", "stamps") == {
        "broken_seal": (1,),
        "failed_inspection": (1,),
    }


def test_province_report_adds_the_other_commune(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    r = report(client, world, "42", role="viewer")
    fields = ("verifications", "instruments", "passed", "failed", "pass_rate")
    assert tuple(r["verified_total"][f] for f in fields) == (4, 4, 3, 1, 75.0)
    assert r["due"]["total"]["instruments"] == 8
    c = r["control_scales"]
    assert (c["stations"], c["devices"], c["suspect_sellers"]) == (2, 2, 2)
    assert (r["inspections"]["inspections"], r["inspections"]["findings"]) == (3, 4)
    assert r["stamps"]["issued"] == 3
    assert r["issuer"]["level"] == "province"
    # The other commune alone, and 2025 (the year of the change: Sông Trí exists from
    # 01/07/2025, and its report takes in what was made under it that year).
    assert report(client, world, "18781")["verified_total"]["verifications"] == 1
    earlier = report(client, world, "18754", year=2025)
    assert earlier["as_of"] == "2025-12-31"
    assert earlier["verified_total"]["verifications"] == 0
    assert earlier["verified_total"]["pass_rate"] is None
    assert earlier["inspections"]["findings"] == 1
    assert earlier["control_scales"]["consumer_checks"] == 1
    assert earlier["stamps"]["revoked"] == 1


def test_due_at_the_end_of_a_past_year_is_the_due_date_then(
    client: TestClient, db: Session, world: World
) -> None:
    make_year(client, db, world)
    due = report(client, world, "18754", year=2025)["due"]
    assert due["as_of"] == "2025-12-31"
    cols = ("instruments", "overdue", "due_soon", "never_verified")
    assert _rows(due["by_type"], "type_code", *cols) == {
        "fuel_dispenser": (1, 0, 0, 1),  # first verified in November 2026
        # S1 was overdue then (due 15/01/2025; verified again in 2026), S3 too; S2 and S6 had
        # never passed; S5 was due in 2026; S7 was not registered yet.
        "scale_spring_dial": (5, 2, 0, 2),
    }


def test_report_scope_and_refusals(client: TestClient, db: Session, world: World) -> None:
    make_year(client, db, world)
    url = f"{API}/reports/yearly"
    for role, unit, code in [
        ("inspector_b", "18754", 403),
        ("inspector_a", "42", 403),
        ("inspector_a", "18781", 403),
        ("inspector_b", "18781", 200),
        ("admin", "nope", 422),
    ]:
        r = client.get(url, params={"unit_code": unit, "year": 2026}, headers=world.auth(role))
        assert r.status_code == code, (role, unit, r.text)
    future = client.get(
        url, params={"unit_code": "18754", "year": 2027}, headers=world.auth("admin")
    )
    assert future.status_code == 422
    # Phường Sông Trí exists from 01/07/2025: 2024 is read by the units of that time.
    before = client.get(
        url, params={"unit_code": "18754", "year": 2024}, headers=world.auth("admin")
    )
    assert before.status_code == 422
    assert "01/07/2025" in before.json()["error"]["message_vi"]
    assert client.get(url, params={"unit_code": "18754", "year": 2026}).status_code == 401
