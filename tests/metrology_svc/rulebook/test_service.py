"""Loading table versions into the database: checked, audited, dated, never changed."""

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.core.errors import Invalid
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.rulebook.schemas import RuleTableCreate
from metrology_svc.rulebook.service import load_rulebook, load_table, sync_shipped
from metrology_svc.rulebook.shipped import shipped_rulebook, shipped_versions


def cycles_rows(*, spring_dial: int) -> list[dict[str, Any]]:
    """Return the shipped 2024-10-15 cycles with the spring dial scale's cycle changed."""
    shipped = shipped_rulebook().in_force("cycles", date(2025, 1, 1)).rows
    rows = [{"type_code": r["type_code"], "cycle_months": r["cycle_months"]} for r in shipped]
    for row in rows:
        if row["type_code"] == "scale_spring_dial":
            row["cycle_months"] = str(spring_dial)
    return rows


def _new(code: str, rows: list[dict[str, Any]], **extra: Any) -> RuleTableCreate:
    fields = {"effective_from": "2027-01-01", "status": "sourced", "source": "QĐ thử nghiệm 1/2027"}
    return RuleTableCreate.model_validate({"code": code, "rows": rows, **fields, **extra})


def test_the_shipped_tables_are_stored_once(db: Session) -> None:
    stored = db.exec(select(RuleTable)).all()
    assert len(stored) == len(shipped_versions())
    assert {t.origin for t in stored} == {"shipped"}
    assert sync_shipped(db) == 0


def test_a_loaded_version_applies_from_its_date_only_and_is_audited(db: Session) -> None:
    table = load_table(db, actor="console", data=_new("cycles", cycles_rows(spring_dial=36)))
    assert (table.version, table.origin, table.units) == (
        "2027-01-01",
        "loaded",
        {"cycle_months": "months"},
    )
    book = load_rulebook(db)
    before = book.cycle(type_code="scale_spring_dial", on=date(2026, 12, 31))
    after = book.cycle(type_code="scale_spring_dial", on=date(2027, 1, 1))
    assert (before.value, after.value) == (24, 36)
    assert (after.ref.table_id, after.ref.source) == (table.id, "QĐ thử nghiệm 1/2027")
    record = db.exec(select(AuditRecord).where(AuditRecord.action == "rulebook.load")).one()
    assert (record.entity, record.entity_id, record.detail["rows"]) == ("rule_table", table.id, 13)


def test_a_second_load_of_a_date_gets_its_own_version_and_wins(db: Session) -> None:
    load_table(db, actor="console", data=_new("cycles", cycles_rows(spring_dial=36)))
    again = load_table(db, actor="console", data=_new("cycles", cycles_rows(spring_dial=30)))
    assert again.version == "2027-01-01.2"
    assert load_rulebook(db).cycle(type_code="scale_spring_dial", on=date(2027, 2, 1)).value == 30


def test_an_office_version_wins_over_the_shipped_one_of_its_date(db: Session) -> None:
    rows = cycles_rows(spring_dial=18)
    loaded = load_table(db, actor="console", data=_new("cycles", rows, effective_from="2024-10-15"))
    assert loaded.version == "2024-10-15.2"
    ruled = load_rulebook(db).cycle(type_code="scale_spring_dial", on=date(2025, 1, 1))
    assert (ruled.value, ruled.ref.table_id) == (18, loaded.id)


@pytest.mark.parametrize(
    ("code", "rows", "message"),
    [
        ("cycles", [{"type_code": "taximeter", "cycle_months": 12}], "every type needs a cycle"),
        (
            "cycles",
            [*cycles_rows(spring_dial=24), {"type_code": "cân_lạ", "cycle_months": 12}],
            "is not a type code",
        ),
        (
            "dispenser_mpe",
            [{"type_code": "no_such_type", "stage": "verification", "mpe_percent": 1}],
            "unknown instrument type 'no_such_type'",
        ),
        (
            "retail_division",
            [
                {"goods_mass_from_g": 40, "goods_mass_to_g": 100, "max_division_g": 2},
                {"goods_mass_from_g": 90, "goods_mass_to_g": 200, "max_division_g": 5},
            ],
            "overlap",
        ),
        ("nope", [{"a": 1}], "No rule table 'nope'"),
    ],
)
def test_bad_tables_are_refused_with_the_reason(
    db: Session, code: str, rows: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        load_table(db, actor="console", data=_new(code, rows))
    assert message in refused.value.message
    assert refused.value.message_vi != refused.value.message
    assert db.exec(select(RuleTable).where(RuleTable.origin == "loaded")).all() == []


def test_units_given_must_be_the_tables(db: Session) -> None:
    rows = [{"goods_mass_from_g": 40, "goods_mass_to_g": 100, "max_division_g": 2}]
    units = {"goods_mass_from_g": "kg", "goods_mass_to_g": "g", "max_division_g": "g"}
    with pytest.raises(Invalid, match="units do not match"):
        load_table(db, actor="console", data=_new("retail_division", rows, units=units))


@pytest.mark.parametrize(
    "extra",
    [
        {"source": "   "},
        {"source": "abc"},
        {"effective_to": "2026-01-01"},
        {"status": "reference-only", "binding": True},
        {"status": "maybe"},
    ],
)
def test_the_request_needs_a_source_sane_dates_and_a_status(extra: dict[str, Any]) -> None:
    rows = [{"goods_mass_from_g": 40, "goods_mass_to_g": 100, "max_division_g": 2}]
    with pytest.raises(ValueError):  # noqa: PT011 (pydantic's ValidationError is a ValueError)
        _new("retail_division", rows, **extra)
