"""A large CSV is read and parsed by a process of its own (imports.parse_worker): the same
outcome as when the importing process reads it, and wherever the child stops short, the
importing process reads on from the first chunk the child did not send, meeting the file's
failure itself (raised as usual) or finishing the list.

The size threshold is set to 0 here, so that small lists go through the child too.
"""

import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session, col, func, select

from metrology_svc.core.errors import Invalid
from metrology_svc.imports import parse_worker, service
from metrology_svc.imports.parse_worker import Elsewhere
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.models import Owner
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.support import TODAY, failing_second_create, scale_row, write_csv

TCVN3_NAME, UNICODE_NAME = "NguyÔn ThÞ Lan", "Nguyễn Thị Lan"


class Spy(Elsewhere):
    """The child, remembered; with `kill_after`, killed once that many chunks came."""

    made: ClassVar[list["Spy"]] = []
    kill_after: ClassVar[int | None] = None

    def __init__(self, job: parse_worker.Job) -> None:
        super().__init__(job)
        Spy.made.append(self)

    def __iter__(self) -> Any:
        for item in super().__iter__():
            yield item
            if self.kill_after is not None and self.sent == self.kill_after:
                self.proc.kill()


@pytest.fixture
def child(monkeypatch: pytest.MonkeyPatch) -> type[Spy]:
    monkeypatch.setattr(service, "PROCESS_FROM_BYTES", 0)
    monkeypatch.setattr(service, "Elsewhere", Spy)
    monkeypatch.setattr(Spy, "made", [])
    monkeypatch.setattr(Spy, "kill_after", None)
    return Spy


def run(db: Session, path: Path, *, mode: ImportMode = ImportMode.ALL_OR_NOTHING) -> ImportReport:
    report = import_file(db, ADMIN, path, mode=mode, today=TODAY)
    db.flush()
    return report


def serials(db: Session, prefix: str) -> list[str]:
    found = db.exec(select(Instrument.serial).order_by(col(Instrument.id))).all()
    return [s for s in found if s.startswith(prefix)]


def _pipe_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in ("import-parse-pipe", "import-parse")]


def test_a_large_csv_is_parsed_by_the_child_with_the_same_outcome(
    db: Session, world: World, tmp_path: Path, child: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 7)
    rows = [scale_row(f"PW-{i:03d}", owner_name=TCVN3_NAME) for i in range(60)]
    rows[45]["type"] = "Cân không có"  # one bad row late in the file, reported in place
    report = run(db, write_csv(tmp_path / "big.csv", rows), mode=ImportMode.VALID_ONLY)
    assert (report.created, report.rejected) == (59, 1)
    assert [e.row for e in report.errors] == [47]
    assert serials(db, "PW-") == [f"PW-{i:03d}" for i in range(60) if i != 45]
    # What only the child's whole read knows comes back with its end.
    assert (report.converted_cells, report.converted_from) == (60, ["tcvn3"])
    assert (report.convention, report.convention_source) == ("vi", "default")
    owner = db.exec(select(Instrument.owner_id).where(Instrument.serial == "PW-000")).one()
    assert db.exec(select(Owner.name).where(Owner.id == owner)).one() == UNICODE_NAME
    [used] = child.made
    assert used.final is not None
    assert used.failed is None
    assert used.sent == 8  # of 9 chunks: the first is parsed here while the child starts
    assert used.proc.poll() is not None
    assert _pipe_threads() == []


def test_a_file_the_child_cannot_finish_fails_here_as_usual(
    db: Session, world: World, tmp_path: Path, child: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 2)
    rows = [scale_row(f"MX-{i}") for i in range(6)]
    rows[0]["e_g"], rows[5]["e_g"] = "1,5", "2.5"  # both ways: the whole file is refused
    with pytest.raises(Invalid) as err:
        run(db, write_csv(tmp_path / "mixed.csv", rows))
    assert "“1,5” the Vietnamese way, “2.5” the English way" in err.value.message
    assert "row 2, e (g); row 7, e (g)" in err.value.message
    [used] = child.made
    assert used.failed is not None
    assert "Invalid" in used.failed
    assert used.sent == 1  # the second chunk (the first is parsed here); the third fails
    assert serials(db, "MX-") == []
    assert _pipe_threads() == []


def test_english_shown_late_reads_the_file_again_through_the_child(
    db: Session, world: World, tmp_path: Path, child: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 2)
    rows = [scale_row("EL-1", max_g="15,000"), scale_row("EL-2"), scale_row("EL-3", e_g="2.5")]
    report = run(db, write_csv(tmp_path / "late.csv", rows))
    assert (report.convention, report.errors, report.created) == ("en", [], 3)
    grams = db.exec(select(Instrument.max_g).where(Instrument.serial == "EL-1")).one()
    assert grams == 15000
    # First attempt: the child stops at the Restart, which this process meets and raises;
    # the second attempt reads the English way from the start, in a new child, to the end.
    first, second = child.made
    assert first.failed is not None
    assert "Restart" in first.failed
    assert second.final is not None


def test_a_child_that_dies_midway_costs_nothing(
    db: Session, world: World, tmp_path: Path, child: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 600 small chunks: the child is blocked on its full pipe when it is killed; what was
    # in the pipe still comes, then the stream ends short.
    monkeypatch.setattr(service, "CHUNK", 5)
    monkeypatch.setattr(child, "kill_after", 3)
    rows = [scale_row(f"KD-{i:04d}") for i in range(3000)]
    report = run(db, write_csv(tmp_path / "killed.csv", rows))
    assert (report.created, report.rejected, report.rows) == (3000, 0, 3000)
    assert serials(db, "KD-") == [f"KD-{i:04d}" for i in range(3000)]  # each once, in order
    [used] = child.made
    assert used.failed == "the parsing process stopped"
    assert 3 <= used.sent < 600
    assert _pipe_threads() == []


def test_a_failed_write_ends_the_child_and_keeps_nothing(
    db: Session, world: World, tmp_path: Path, child: type[Spy], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 5)
    calls = failing_second_create(monkeypatch)
    count = db.exec(select(func.count()).select_from(Instrument)).one()
    with pytest.raises(RuntimeError, match="went away"):
        run(db, write_csv(tmp_path / "wf.csv", [scale_row(f"WF-{i:03d}") for i in range(100)]))
    assert calls == [5, 5]
    [used] = child.made
    assert used.proc.poll() is not None
    assert _pipe_threads() == []
    assert db.exec(select(func.count()).select_from(Instrument)).one() == count
