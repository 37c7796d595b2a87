"""The required test loads: a shipped, sourced-as-far-as-known table, checked like the others,
replaceable by an office, and matched one point per load."""

from datetime import date
from decimal import Decimal as D  # noqa: N817 (worked examples read better)
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metrology_svc.rulebook import catalogue, loads
from metrology_svc.rulebook.shipped import shipped_rulebook
from tests.factories import World
from tests.metrology_svc.stamps.support import API, GOOD_POINTS, freeze, new_scale, verify

SPEC = catalogue.SPECS["required_loads"]
ROWS: list[dict[str, Any]] = [
    {"category": "scale", "label": "Min", "procedure": "ĐLVN 30:2019", "basis": "min"},
    {"category": "scale", "label": "Max", "procedure": "ĐLVN 30:2019", "basis": "max"},
    {"category": "dispenser", "label": "Qmax", "procedure": "ĐLVN 10:2013", "basis": "mmq"},
]
RANGES = [("1", "2"), ("0.9", "1"), ("1", "")]


def _rows(**changes: Any) -> list[dict[str, Any]]:
    rows = [
        {**r, "load_from": low, "load_to": high}
        for r, (low, high) in zip(ROWS, RANGES, strict=True)
    ]
    rows[0] |= changes
    return rows


def test_the_shipped_table_asks_for_min_half_max_and_max_and_two_draws() -> None:
    ruled = shipped_rulebook().required_loads(on=date(2026, 11, 2), category="scale")
    assert [(r.label, r.basis, r.load_from, r.load_to) for r in ruled.value] == [
        ("Min", "min", D(1), D(2)),
        ("½ Max", "max", D("0.4"), D("0.6")),
        ("Max", "max", D("0.9"), D(1)),
    ]
    assert ruled.ref.status == "unverified"
    assert "OIML R 76-2" in ruled.ref.source
    assert "not re-read" in ruled.ref.source
    pump = shipped_rulebook().required_loads(on=date(2026, 11, 2), category="dispenser").value
    assert [(r.label, r.basis, r.load_from, r.load_to) for r in pump] == [
        ("Qmax", "mmq", D(1), None),
        ("Qmin", "mmq", D(1), None),
    ]
    assert shipped_rulebook().required_loads(on=date(2026, 11, 2), category="meter").value == ()


@pytest.mark.parametrize(
    ("changes", "loc", "says"),
    [
        ({"basis": "mmq"}, ("rows", 0, "basis"), "a scale load is a multiple of min, max, e"),
        ({"load_to": "0.5"}, ("rows", 0, "load_to"), "must not be below load_from"),
        ({"basis": "max", "load_to": "1.1"}, ("rows", 0, "load_to"), "load_to ≤ 1 × Max"),
        ({"label": "Max"}, ("rows", 1, "label"), "Max appears twice for scale"),
        ({"basis": "weight"}, ("rows", 0, "basis"), "'weight' is not one of min, max, e, mmq"),
    ],
)
def test_a_bad_version_is_refused_naming_the_cell(
    changes: dict[str, Any], loc: tuple[Any, ...], says: str
) -> None:
    _, problems = catalogue.parse_rows(SPEC, _rows(**changes))
    assert problems[0].loc == loc
    assert says in problems[0].en


def test_every_category_needs_its_loads() -> None:
    _, problems = catalogue.parse_rows(SPEC, _rows()[:2])
    assert [p.en for p in problems] == [
        "every category needs its required loads; missing: dispenser"
    ]
    assert catalogue.parse_rows(SPEC, _rows())[1] == []


def test_each_point_counts_for_one_load_and_the_matching_finds_the_best() -> None:
    wide, narrow = loads.Band("A", D(1), D(10), "g"), loads.Band("B", D(1), D(2), "g")
    # Taking the first fitting point for A would leave B without one: 2 must go to B.
    assert loads.missing([wide, narrow], [D(2), D(5)]) == []
    assert loads.missing([wide, narrow], [D(2)]) == [wide]
    twice = [loads.Band("Qmax", D(2000), None, "mL"), loads.Band("Qmin", D(2000), None, "mL")]
    assert [b.label for b in loads.missing(twice, [D(20000)])] == ["Qmin"]
    assert twice[0].describe() == "≥ 2000 mL"


def test_an_office_loads_its_own_requirement_from_a_date(client: TestClient, world: World) -> None:
    freeze(client, date(2026, 11, 22))
    rows = [
        *_rows(),
        {
            "category": "scale",
            "label": "50 e",
            "procedure": "ĐLVN 30:2019",
            "basis": "e",
            "load_from": "50",
            "load_to": "50",
        },
    ]
    body = {
        "code": "required_loads",
        "effective_from": "2026-06-01",
        "status": "sourced",
        "source": "Quyết định thử nghiệm của Chi cục (2026)",
        "rows": rows,
    }
    r = client.post(f"{API}/rules", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    before = verify(client, world, new_scale(client, world, serial="RL-1"), on="2026-05-31")
    after = verify(client, world, new_scale(client, world, serial="RL-2"), on="2026-06-01")
    assert (before["result"], after["result"]) == ("pass", "incomplete")
    assert [m["label"] for m in after["missing_loads"]] == ["50 e"]
    assert after["loads_rule_id"] == r.json()["id"] != before["loads_rule_id"]
    with_50e = [*GOOD_POINTS, {"reference": 2500, "indicated": 2500}]
    again = verify(client, world, new_scale(client, world, serial="RL-3"), points=with_50e)
    assert again["result"] == "pass"
