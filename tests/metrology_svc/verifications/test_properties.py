"""For any scale and any set of points: a stamp is issued only if every value is finite, the
instrument and points plausible, the set complete for its procedure and every point within the
MPE of the rule in force on the date. The oracle here reads the shipped rule tables (CSV) itself.
"""

import csv
import itertools
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlmodel import Session, select

from metrology_svc.core.errors import Invalid
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.instruments.schemas import InstrumentCreate
from metrology_svc.instruments.service import create_instrument
from metrology_svc.settings import Settings
from metrology_svc.stamps.models import Stamp
from metrology_svc.verifications.models import Verification
from metrology_svc.verifications.schemas import VerificationCreate
from metrology_svc.verifications.service import record_verification
from tests.factories import ADMIN, World, spring_scale

DATA = Path(__file__).parents[3] / "metrology_svc" / "rulebook" / "data"
ON, TODAY = date(2026, 11, 2), date(2026, 11, 22)
E_CHOICES = {  # some e lie outside every row of their class (implausible on purpose)
    "I": ["0.001", "0.01", "0.1"],
    "II": ["0.001", "0.05", "0.07", "0.1", "1"],
    "III": ["0.1", "1", "2", "3", "5", "20", "100"],
    "IIII": ["1", "5", "20", "50", "100"],
}
N_CHOICES = [40, 99, 100, 150, 300, 499, 500, 999, 1000, 1001, 3000, 5000, 10000, 20000]
N_CHOICES += [50000, 100000, 220000]
FIXTURES = [HealthCheck.function_scoped_fixture]


def _rows(code: str) -> list[dict[str, str]]:
    """Return the rows of the shipped version of a table in force on ON."""
    with (DATA / f"{code}.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    latest = max(r["effective_from"] for r in rows if date.fromisoformat(r["effective_from"]) <= ON)
    return [r for r in rows if r["effective_from"] == latest]


def _d(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _f(value: float) -> Decimal:
    return Decimal(repr(value))  # how the service reads a JSON float, exactly


@dataclass(frozen=True)
class Case:
    """A scale (class, e, Max, d) and test points (reference, indication) as floats."""

    accuracy_class: str
    e: float
    max_g: float
    d: float | None
    points: list[tuple[float, float]]


def _class_row(c: Case) -> dict[str, str] | None:
    e = _f(c.e)
    for row in _rows("scale_classes"):
        high = _d(row["e_max_g"])
        within = Decimal(row["e_min_g"]) <= e and (high is None or e <= high)
        if row["accuracy_class"] == c.accuracy_class and within:
            return row
    return None


def _plausible(c: Case, row: dict[str, str] | None) -> bool:
    e, top = _f(c.e), _f(c.max_g)
    if row is None or e > top or (c.d is not None and _f(c.d) > e):
        return False
    n, n_max = top / e, _d(row["n_max"])
    if n < Decimal(row["n_min"]) or (n_max is not None and n > n_max):
        return False
    return all(_f(ref) <= top for ref, _ in c.points)


def _mpe(c: Case, ref: Decimal) -> Decimal:
    e = _f(c.e)
    bands = sorted(
        (r for r in _rows("scale_mpe") if r["accuracy_class"] == c.accuracy_class),
        key=lambda r: Decimal(r["load_from_e"]),
    )
    m = ref / e
    for i, r in enumerate(bands):
        low, high = Decimal(r["load_from_e"]), _d(r["load_to_e"])
        if (m > low or (i == 0 and m >= low)) and (high is None or m <= high):
            return Decimal(r["mpe_e"]) * e
    raise AssertionError("a plausible load lies in a band")


def _complete(c: Case, row: dict[str, str]) -> bool:
    e, top = _f(c.e), _f(c.max_g)
    bases = {"min": Decimal(row["min_capacity_e"]) * e, "max": top, "e": e}
    wanted = []
    for r in _rows("required_loads"):
        if r["category"] == "scale":
            high = _d(r["load_to"])
            base = bases[r["basis"]]
            wanted.append((Decimal(r["load_from"]) * base, None if high is None else high * base))
    refs = [_f(ref) for ref, _ in c.points]
    # Each point counts once: some choice of distinct points covers every required load.
    return any(
        all(
            lo <= refs[i] and (hi is None or refs[i] <= hi)
            for i, (lo, hi) in zip(pick, wanted, strict=True)
        )
        for pick in itertools.permutations(range(len(refs)), len(wanted))
    )


def expected(c: Case) -> str:
    """Return refused, fail, incomplete or pass, computed from the CSV tables alone."""
    row = _class_row(c)
    if not _plausible(c, row):
        return "refused"
    assert row is not None
    if any(abs(_f(ind) - _f(ref)) > _mpe(c, _f(ref)) for ref, ind in c.points):
        return "fail"
    return "pass" if _complete(c, row) else "incomplete"


def _n_range(cls: str, e: Decimal) -> tuple[int, int] | None:
    for row in _rows("scale_classes"):
        high = _d(row["e_max_g"])
        if row["accuracy_class"] == cls and Decimal(row["e_min_g"]) <= e <= (high or e):
            n_min = int(row["n_min"])
            return n_min, int(row["n_max"]) if row["n_max"] else n_min * 10
    return None


@st.composite
def scales(draw: st.DrawFn) -> tuple[str, Decimal, int]:
    """Draw class, e and n = Max/e: mostly within the class's limits, sometimes anywhere."""
    cls = draw(st.sampled_from(sorted(E_CHOICES)))
    e = Decimal(draw(st.sampled_from(E_CHOICES[cls])))
    span = _n_range(cls, e)
    if span is not None and draw(st.integers(0, 5)):
        return cls, e, draw(st.integers(*span))
    return cls, e, draw(st.one_of(st.sampled_from(N_CHOICES), st.integers(1, 250_000)))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Draw a scale and points: often the required loads plus others, or anything."""
    cls, e, n = draw(scales())
    top = e * n
    d = draw(st.sampled_from([e, e, e, e / 10, e * 2, None]))
    minimum = e * {"I": 100, "II": 50, "III": 20, "IIII": 10}[cls]
    near = [minimum, minimum * 2, minimum * 3, top * Decimal("0.35"), top / 2]
    near += [top * Decimal("0.6"), top * Decimal("0.85"), top * Decimal("0.9"), top, Decimal(0)]
    near.append(top + e)  # beyond Max: implausible
    reference = st.one_of(st.sampled_from(near), st.integers(0, n).map(e.__mul__))
    refs = draw(st.lists(reference, min_size=0 if draw(st.booleans()) else 1, max_size=4))
    if not refs or draw(st.booleans()):
        refs += [minimum, top / 2, top]  # the required loads, exactly
    refs = draw(st.permutations(refs))
    # Errors in steps of e/2; the MPE is 0.5 e to 1.5 e, so ±1 step is always within.
    steps = st.integers(-1, 1) if draw(st.booleans()) else st.integers(-4, 4)
    shown = [r + draw(steps) * e / 2 for r in refs]
    return Case(
        cls,
        float(e),
        float(top),
        None if d is None else float(d),
        [(float(r), float(i)) for r, i in zip(refs, shown, strict=True)],
    )


def _record(db: Session, world: World, c: Case, app: Settings) -> str:
    instrument = create_instrument(
        db, ADMIN, InstrumentCreate.model_validate(spring_scale(world, serial="PROP-1"))
    )
    # Set the characteristics as an older registry may hold them (registration checks less).
    instrument.accuracy_class, instrument.e_g, instrument.max_g = c.accuracy_class, c.e, c.max_g
    instrument.d_g = c.d
    db.flush()
    assert instrument.id is not None
    data = VerificationCreate.model_validate(
        {
            "kind": "periodic",
            "verified_on": ON,
            "verifier": "KĐV Thuộc Tính",
            "procedure": "ĐLVN 30:2019",
            "points": [{"reference": r, "indicated": i} for r, i in c.points],
        }
    )
    try:
        done = record_verification(db, ADMIN, instrument.id, data, settings=app, today=TODAY)
    except Invalid:
        stored = db.exec(select(Verification).where(Verification.instrument_id == instrument.id))
        assert stored.all() == []
        return "refused"
    stamps = db.exec(select(Stamp).where(Stamp.instrument_id == instrument.id)).all()
    assert (len(stamps) == 1) == (done.result == "pass")
    assert (instrument.status == InstrumentStatus.IN_SERVICE) == (done.result == "pass")
    assert (done.valid_until is not None) == (done.result == "pass")
    assert len(done.points) == len(c.points)
    return str(done.result)


@settings(suppress_health_check=FIXTURES)
@given(case=cases())
def test_a_stamp_only_for_finite_plausible_complete_points_within_the_mpe(
    db: Session, world: World, settings: Settings, case: Case
) -> None:
    nested = db.begin_nested()
    try:
        want = expected(case)
        event(f"expected: {want}")
        assert _record(db, world, case, settings) == want
    finally:
        nested.rollback()


NON_FINITE = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400"])
TEXT = st.sampled_from(["nan", "inf", "-inf", "Infinity", "NaN"])
SERIALS = itertools.count()
HEAD = {"kind": "periodic", "verified_on": "2026-11-02", "verifier": "KĐV", "procedure": "ĐLVN"}


@settings(suppress_health_check=FIXTURES, max_examples=25)  # each is a few HTTP round trips
@given(
    literal=NON_FINITE,
    text=TEXT,
    where=st.sampled_from(["reference", "indicated"]),
    index=st.integers(0, 2),
)
def test_non_finite_values_never_reach_the_record(
    client: TestClient, world: World, literal: str, text: str, where: str, index: int
) -> None:
    h = world.auth("admin")
    body = spring_scale(world, serial=f"NF-{next(SERIALS)}")
    iid = client.post("/api/v1/instruments", json=body, headers=h).json()["id"]
    points: list[dict[str, Any]] = [
        {"reference": 500, "indicated": 500},
        {"reference": 7500, "indicated": 7500},
        {"reference": 15000, "indicated": 15000},
    ]
    points[index][where] = "__X__"
    raw = json.dumps({**HEAD, "points": points}).replace('"__X__"', literal)
    points[index][where] = text
    url = f"/api/v1/instruments/{iid}/verifications"
    for response in (
        client.post(url, content=raw, headers={"content-type": "application/json", **h}),
        client.post(url, json={**HEAD, "points": points}, headers=h),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["loc"] == ["body", "points", index, where]
    assert client.get(url, headers=h).json() == []
    with pytest.raises(ValidationError):
        VerificationCreate.model_validate({**HEAD, "points": points})
