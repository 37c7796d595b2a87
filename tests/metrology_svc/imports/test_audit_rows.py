"""An import leaves one audit record per row it wrote, with the row's values, in the chain.

Issue "Security round 2", item 9: imports are audited row by row, not only by a summary per
file; a rejected all-or-nothing import leaves none; `audit verify` covers them.
"""

from pathlib import Path

from sqlmodel import Session, col, select

from metrology_svc.audit.models import AuditRecord
from metrology_svc.audit.service import verify_chain
from metrology_svc.imports.schemas import ImportMode
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, scale_row, write_csv


def _records(db: Session, since: int) -> list[AuditRecord]:
    stmt = select(AuditRecord).where(col(AuditRecord.seq) > since)
    return list(db.exec(stmt.order_by(col(AuditRecord.seq))))


def _head(db: Session) -> int:
    last = db.exec(select(AuditRecord).order_by(col(AuditRecord.seq).desc())).first()
    return last.seq if last else 0


def _import(db: Session, path: Path, rows: list[dict[str, str]], mode: ImportMode) -> None:
    import_file(db, ADMIN, write_csv(path, rows), mode=mode, today=TODAY)
    db.flush()


def test_every_created_and_updated_row_has_its_record(
    db: Session, world: World, tmp_path: Path
) -> None:
    start = _head(db)
    rows = [
        scale_row("AR-1"),
        scale_row("AR-2", owner_name="Lê Thị Mai", owner_phone="0912000111", site_name="Chợ Đêm"),
    ]
    _import(db, tmp_path / "a.csv", rows, ImportMode.ALL_OR_NOTHING)
    made = _records(db, start)
    by_action = {(r.action, r.entity): r for r in made}
    ids = {
        s: db.exec(select(Instrument.id).where(Instrument.serial == s)).one()
        for s in ("AR-1", "AR-2")
    }
    created = [r for r in made if r.action == "instrument.import_create"]
    assert sorted((r.entity_id, r.detail["row"]) for r in created) == [
        (ids["AR-1"], 2),
        (ids["AR-2"], 3),
    ]
    assert all(r.detail["file"] == "a.csv" for r in created)
    assert {r.detail["values"]["serial"] for r in created} == {"AR-1", "AR-2"}
    assert by_action[("owner.import_create", "owner")].detail["name"] == "Lê Thị Mai"
    assert by_action[("site.import_create", "site")].detail["name"] == "Chợ Đêm"
    assert ("import.instruments", "import") in by_action  # the file's summary as before

    middle = _head(db)
    _import(
        db,
        tmp_path / "b.csv",
        [scale_row("AR-1", model="NHS-30")],
        ImportMode.VALID_ONLY,
    )
    [update] = [r for r in _records(db, middle) if r.action == "instrument.import_update"]
    assert update.entity_id == ids["AR-1"]
    assert update.detail["values"] == {"model": {"from": "NHS-15", "to": "NHS-30"}}
    assert verify_chain(db).broken is None


def test_a_rejected_all_or_nothing_import_leaves_no_row_record(
    db: Session, world: World, tmp_path: Path
) -> None:
    start = _head(db)
    rows = [scale_row("AN-1"), scale_row("AN-2", e_g="0")]
    _import(db, tmp_path / "c.csv", rows, ImportMode.ALL_OR_NOTHING)
    assert [r.action for r in _records(db, start)] == []
    assert verify_chain(db).broken is None
