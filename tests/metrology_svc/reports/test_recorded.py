"""Incomplete and recorded results in the yearly report: never a pass, counted on their own."""

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.instruments.models import Instrument
from metrology_svc.rulebook.service import load_rulebook
from metrology_svc.verifications.imported import (
    ImportedItem,
    record_imported_verification,
    record_imported_verifications,
)
from tests.factories import ADMIN, World
from tests.metrology_svc.reports.test_yearly import report
from tests.metrology_svc.stamps.support import GOOD_POINTS, freeze, new_scale, verify


def test_incomplete_counts_against_the_pass_rate_and_recorded_stays_apart(
    client: TestClient, db: Session, world: World
) -> None:
    freeze(client, date(2026, 11, 22))
    verify(client, world, new_scale(client, world, serial="R-1"), on="2026-03-01")
    short = verify(client, world, new_scale(client, world, serial="R-2"), points=GOOD_POINTS[:2])
    assert short["result"] == "incomplete"
    listed = db.get(Instrument, new_scale(client, world, serial="R-3"))
    assert listed is not None
    record_imported_verification(
        db,
        ADMIN,
        listed,
        verified_on=date(2026, 2, 1),
        file_name="ds.csv",
        row=2,
        rulebook=load_rulebook(db),
        today=date(2026, 11, 22),
        due_soon_days=30,
    )
    for iid in (short["instrument_id"], listed.id):  # registered early in the year
        found = db.get(Instrument, iid)
        assert found is not None
        found.created_at = datetime(2026, 1, 5, tzinfo=UTC)
    db.commit()
    r = report(client, world, "18754")
    fields = ("verifications", "instruments", "passed", "failed", "incomplete", "recorded")
    assert tuple(r["verified_total"][f] for f in (*fields, "pass_rate")) == (2, 2, 1, 0, 1, 1, 50.0)
    kinds = {
        k["kind"]: (k["verifications"], k["passed"], k["incomplete"])
        for k in r["verifications_by_kind"]
    }
    assert kinds == {"periodic": (2, 1, 1)}  # the imported record is not a verification here
    # The recorded date gives R-3 its due date (not "never verified"); R-2 has none.
    due = r["due"]["total"]
    assert (due["instruments"], due["never_verified"], r["stamps"]["issued"]) == (3, 1, 1)


def test_a_failed_result_an_imported_list_reports_is_not_counted_as_judged_here(
    client: TestClient, db: Session, world: World
) -> None:
    """A list's "không đạt" is a record of the office's past, not a failure this service
    judged: the report counts it with the recorded ones, not in failed or the pass rate."""
    freeze(client, date(2026, 11, 22))
    verify(client, world, new_scale(client, world, serial="F-1"), on="2026-03-01")
    listed = db.get(Instrument, new_scale(client, world, serial="F-2"))
    assert listed is not None
    item = ImportedItem(instrument=listed, verified_on=date(2026, 2, 1), row=2, failed=True)
    record_imported_verifications(
        db, ADMIN, [item], file_name="ds.csv", rulebook=load_rulebook(db),
        today=date(2026, 11, 22), due_soon_days=30,
    )  # fmt: skip
    db.commit()
    assert db.get(Instrument, listed.id).status == "failed"  # type: ignore[union-attr]
    r = report(client, world, "18754")
    fields = ("verifications", "passed", "failed", "recorded")
    assert tuple(r["verified_total"][f] for f in (*fields, "pass_rate")) == (1, 1, 0, 1, 100.0)
    assert {k["kind"] for k in r["verifications_by_kind"]} == {"periodic"}
