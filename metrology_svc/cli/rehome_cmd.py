"""`metrology-svc units rehome`: move sites and scopes to the communes of the list in force."""

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.db import new_session
from metrology_svc.rehoming.schemas import RehomeResult, SiteOutcome
from metrology_svc.rehoming.service import rehome as rehome_sites

SHOWN = 20  # sites listed per outcome; the counts cover all

# (count key, Vietnamese, English)
LINES = (
    ("succession_whole", "Đã chuyển (nhập nguyên)", "moved (went whole)"),
    ("case_address", "Mở hồ sơ, gợi ý theo địa chỉ", "cases opened, suggested by address"),
    ("case_coordinates", "Mở hồ sơ, gợi ý theo tọa độ", "cases opened, suggested by coordinates"),
    ("case_default", "Mở hồ sơ, gợi ý theo nghị quyết", "cases opened, suggested by resolution"),
    ("case_none", "Mở hồ sơ, chưa có gợi ý", "cases opened, no suggestion"),
    ("case_already_open", "Hồ sơ đã mở từ trước", "cases already open"),
    ("no_succession", "Chưa có dữ liệu kế thừa", "no succession loaded"),
    ("name_taken", "Trùng tên ở đơn vị mới", "name taken in the new unit"),
    ("scopes_migrated", "Địa bàn tài khoản đã chuyển", "account scopes migrated"),
    ("scopes_without_succession", "Địa bàn chưa có dữ liệu kế thừa", "scopes without succession"),
)


def _print(result: RehomeResult) -> None:
    out = Console(width=max(console.width, 140))  # the result on stdout, the bar on stderr
    head = "Chạy thử, chưa lưu gì / Dry run, nothing saved" if result.dry_run else "Đã lưu / Saved"
    table = Table("Kết quả / Outcome", "Số / Count", title=f"{head} · {result.scheme}")
    table.add_row("Địa điểm đã xét / sites checked", str(result.sites_checked))
    for key, vi, en in LINES:
        table.add_row(f"{vi} / {en}", str(result.counts.get(key, 0)))
    out.print(table)
    for title, rows in (
        ("Chưa có dữ liệu kế thừa / No succession loaded", result.no_succession),
        ("Trùng tên ở đơn vị mới / Name taken in the new unit", result.name_taken),
    ):
        _print_sites(out, title, rows)
    for change in result.scopes_migrated:
        new = ", ".join(f"{u.name} ({u.code})" for u in change.new_units)
        out.print(
            f"{change.user_name}: {change.old_unit.name} ({change.old_unit.scheme}:"
            f"{change.old_unit.code}) → {new}",
            soft_wrap=True,
        )


def _print_sites(out: Console, title: str, rows: list[SiteOutcome]) -> None:
    if not rows:
        return
    table = Table("Id", "Địa điểm / Site", "Đơn vị cũ / Old unit", title=title)
    for r in rows[:SHOWN]:
        old = f"{r.old_unit.name} ({r.old_unit.scheme}:{r.old_unit.code})"
        table.add_row(str(r.site_id), r.site_name, old)
    out.print(table)
    if len(rows) > SHOWN:
        out.print(f"… {len(rows) - SHOWN} nữa / more")


def rehome(
    province: str | None = typer.Option(
        None, "--province", help="Only this province (code, e.g. 42); default: every province"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; save nothing"),
) -> None:
    """Move sites to the communes of the list in force; split communes go to the review list."""
    engine = engine_from_settings()
    ensure_schema(engine)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        new_session(engine) as session,
        Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar,
    ):
        task = bar.add_task("Chuyển địa bàn / Rehoming", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = rehome_sites(session, province_code=province, dry_run=dry_run, progress=progress)
        if not dry_run:
            session.commit()
    engine.dispose()
    _print(result)
