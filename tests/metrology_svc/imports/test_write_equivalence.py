"""What an import writes is pinned field by field: the rows the bulk writer leaves (instruments,
owners, sites, verifications, history events, audit records) equal those the first, slower
writer left for the same lists, recorded in write_equivalence.json (issue 19 item 8: faster,
not different).

Ids differ between databases and runs, so they are compared through what they point at (an
instrument's serial, an owner's or a site's name); the clock is frozen, so times compare too.
Regenerate the file only for an intended change: `METROLOGY_REWRITE_EXPECTED=1 pytest <this>`.
"""

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from metrology_svc.audit.service import verify_chain
from metrology_svc.imports.repository import table
from metrology_svc.imports.schemas import ImportMode
from metrology_svc.imports.service import import_file
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, VI, scale_row, write_csv

EXPECTED = Path(__file__).with_name("write_equivalence.json")
NOW = datetime(2026, 11, 23, 3, 4, 5, 678901, tzinfo=UTC)
NAMES = VI | {"result": "Kết quả"}
CLOCKS = (
    "metrology_svc.imports.writer",
    "metrology_svc.verifications.imported",
    "metrology_svc.audit.service",
    "metrology_svc.instruments.lifecycle",
)
TABLES = ("owner", "site", "instrument", "verification", "instrument_event", "audit_record")
ID_KEYS = {"instrument_id", "verification_id", "owner_id", "site_id", "entity_id"}
ENTITY_KEY = {"instrument": "instrument_id", "verification": "verification_id"}
ENTITY_KEY |= {"owner": "owner_id", "site": "site_id"}

FIRST = [
    scale_row("EQ-1", owner_name="Lê Thị Mai", owner_phone="0912000111", site_name="Chợ Đêm"),
    scale_row("EQ-2", last_verified_on="10/01/2024", due_date=""),
    scale_row("EQ-3", last_verified_on="", due_date=""),
    scale_row("EQ-4", result="không đạt", last_verified_on="02/02/2026"),
    scale_row("EQ-5", last_verified_on="01/01/2010"),  # rejected: before the first cycle
    scale_row("EQ-6", type="Cân đĩa", model="CĐ-5", max_g="5000", e_g="5", result="đạt"),
]
SECOND = [
    scale_row(
        "EQ-1",
        model="NHS-30",
        owner_name="Lê Thị Mai",
        owner_phone="0912000111",
        site_name="Chợ Đêm",
        last_verified_on="20/05/2026",
        due_date="",
    ),
    scale_row("EQ-2", last_verified_on="10/01/2024", due_date=""),  # unchanged
    scale_row("EQ-3", last_verified_on="05/06/2026"),  # first history of a known one
    scale_row("EQ-7", owner_name="Trần Văn Hùng", owner_phone="0987000222", site_name="Chợ Mới"),
]


def _snapshot(db: Session, marks: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Return every row written since `marks` (ids by table), ids replaced by what they name."""
    rows = {
        name: [
            dict(r._mapping)
            for r in db.execute(
                select(table(name)).where(table(name).c.id > marks[name]).order_by("id")
            )
        ]
        for name in TABLES
    }
    names: dict[str, dict[int, str]] = {
        "owner_id": {r.id: f"owner {r.name}" for r in db.execute(select(table("owner")))},
        "site_id": {r.id: f"site {r.name}" for r in db.execute(select(table("site")))},
        "instrument_id": {
            r.id: f"instrument {r.serial}" for r in db.execute(select(table("instrument")))
        },
    }
    serial = names["instrument_id"]
    names["verification_id"] = {
        r.id: f"verification {serial[r.instrument_id]} {r.verified_on}"
        for r in db.execute(select(table("verification")))
    }

    def norm(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: norm(v, key if k in ("from", "to") else k) for k, v in value.items()}
        if isinstance(value, list):
            return [norm(v, key) for v in value]
        if key in names and isinstance(value, int):
            return names[key].get(value, f"{key} {value} (not new)")
        if isinstance(value, datetime):
            return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return value

    out: dict[str, list[dict[str, Any]]] = {}
    for name, found in rows.items():
        own = {"instrument": "instrument_id", "verification": "verification_id"}
        own |= {"owner": "owner_id", "site": "site_id"}
        cleaned = []
        for row in found:
            row = dict(row)
            ident = row.pop("id")
            if name in own:
                row["id"] = norm(ident, own[name])
            if name == "audit_record":
                row["entity_id"] = norm(row["entity_id"], ENTITY_KEY.get(row["entity"]))
                row["seq"] -= marks["seq"]
                row.pop("hash"), row.pop("prev_hash")  # checked by verify_chain below
            cleaned.append({k: norm(v, k) for k, v in row.items()})
        out[name] = cleaned
    return out


def _marks(db: Session) -> dict[str, int]:
    marks = {
        n: db.execute(select(table(n).c.id).order_by(table(n).c.id.desc())).scalar() or 0
        for n in TABLES
    }
    seq = table("audit_record").c.seq
    marks["seq"] = db.execute(select(seq).order_by(seq.desc())).scalar() or 0
    return marks


def test_an_import_writes_exactly_what_the_first_writer_wrote(
    db: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in CLOCKS:
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)
    marks = _marks(db)
    reports = []
    for n, rows in enumerate((FIRST, SECOND)):
        path = write_csv(tmp_path / f"eq{n}.csv", rows, names=NAMES)
        report = import_file(db, ADMIN, path, mode=ImportMode.VALID_ONLY, today=TODAY)
        db.flush()
        reports.append(
            report.model_dump(
                include={
                    "created",
                    "updated",
                    "unchanged",
                    "rejected",
                    "verifications",
                    "no_history",
                }
            )
        )
    got = {"reports": reports, **_snapshot(db, marks)}
    got = json.loads(json.dumps(got, default=str))
    if os.environ.get("METROLOGY_REWRITE_EXPECTED"):
        EXPECTED.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", "utf-8")
    expected = json.loads(EXPECTED.read_text("utf-8"))
    assert got["reports"] == expected["reports"]
    for name in TABLES:
        assert len(got[name]) == len(expected[name]), name
        for mine, theirs in zip(got[name], expected[name], strict=True):
            keys = mine.keys() | theirs.keys()
            diff = {k: (mine.get(k), theirs.get(k)) for k in keys if mine.get(k) != theirs.get(k)}
            assert not diff, (name, json.dumps(diff, ensure_ascii=False))
    assert verify_chain(db).broken is None
