"""`metrology-svc import instruments` prints every count of the report in Vietnamese and
English: rows without verification history, errors, warnings and possible duplicate owners
(their count and the first few)."""

import re
from pathlib import Path

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from metrology_svc.cli.import_cmd import SHOWN_DUPLICATES
from metrology_svc.cli.main import app
from metrology_svc.db import build_engine
from metrology_svc.owners.models import Owner
from tests.metrology_svc.imports.support import scale_row, write_csv

runner = CliRunner()
LAN = "Nguyễn Thị Lan"


def _lans(db_path: Path) -> list[int]:
    with Session(build_engine(f"sqlite:///{db_path}")) as session:
        stmt = select(Owner.id).where(Owner.name == LAN).order_by(col(Owner.id))
        return [i for i in session.exec(stmt) if i is not None]


def test_every_count_is_printed_with_the_first_possible_duplicates(
    cli_env: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    # Seven stall holders named Lan without a phone: seven owners, six possibly the first.
    rows = [
        scale_row(f"L-{n}", owner_name=LAN, owner_phone="", last_verified_on="")
        for n in range(1, 8)
    ]
    rows.append(scale_row("H-1"))  # a dated row: history recorded
    path = write_csv(tmp_path / "ds.csv", rows)
    result = runner.invoke(app, ["import", "instruments", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Dòng / rows: 8 · Tạo mới / created: 8 · Cập nhật / updated: 0" in out
    assert (
        "Không có lịch sử kiểm định / no verification history: 7 · Lỗi / errors: 0 · "
        "Cảnh báo / warnings: " in out
    )
    assert "Có thể trùng chủ sở hữu / possible duplicate owners: 6" in out
    lans = _lans(cli_env)
    assert len(lans) == 7
    shown = re.findall(r"Dòng / row (\d+): chủ sở hữu mới / new owner (\d+) \((.+?)\) ~ "
                       r"đã có / known: ([\d, ]+)", out)  # fmt: skip
    assert [(int(r), int(o), n) for r, o, n, _ in shown] == [
        (n + 2, lans[n], LAN) for n in range(1, SHOWN_DUPLICATES + 1)
    ]
    assert shown[0][3] == str(lans[0])
    assert "… 1 chủ sở hữu có thể trùng nữa / more possible duplicates" in out


def test_a_list_without_duplicates_prints_zero_counts_and_no_list(
    cli_env: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    path = write_csv(tmp_path / "ds.csv", [scale_row("C-1"), scale_row("C-2")])
    result = runner.invoke(app, ["import", "instruments", str(path)])
    assert result.exit_code == 0, result.output
    assert "no verification history: 0" in result.output
    assert "possible duplicate owners: 0" in result.output
    assert "new owner" not in result.output
