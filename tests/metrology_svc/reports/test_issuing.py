"""Keeping a report's texts and issuing it are audited with the texts and the number."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import World
from tests.metrology_svc.audit.support import audited, last_audited
from tests.metrology_svc.reports.support import TODAY
from tests.metrology_svc.stamps.support import API, freeze

PERIOD = {"unit_code": "18754", "period_from": "2021-01-01", "period_to": "2025-12-31"}


def test_texts_and_issue_are_audited(client: TestClient, world: World, db: Session) -> None:
    freeze(client, TODAY)
    texts = {
        **PERIOD,
        "achievements": "Duy trì cân đối chứng tại các chợ.",
        "shortcomings": "",
        "next_steps": "Kiểm tra định kỳ.",
        "proposals": "",
    }
    r = client.put(f"{API}/reports/texts", json=texts, headers=world.auth("inspector_a"))
    assert r.status_code == 200, r.text
    kept = last_audited(db, "report.texts")
    assert kept.entity == "report_text"
    assert kept.entity_id is not None
    assert kept.detail["achievements"] == "Duy trì cân đối chứng tại các chợ."
    assert (kept.detail["unit_code"], kept.detail["period_to"]) == ("18754", "2025-12-31")

    for _ in range(2):  # issuing again keeps the number: one record
        r = client.post(f"{API}/reports/issue", params=PERIOD, headers=world.auth("admin"))
        assert r.status_code == 200, r.text
    [issued] = audited(db, "report.issue")
    assert (issued.entity, issued.entity_id, issued.actor) == (
        "report_text",
        kept.entity_id,
        "Test admin",
    )
    assert (issued.detail["number"], issued.detail["issued_on"]) == (1, TODAY.isoformat())
    assert issued.detail["issuer_name"] == r.json()["issuer"]["name"]
