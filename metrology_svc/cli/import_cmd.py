"""`metrology-svc import instruments FILE`: load an office's CSV/XLSX list, with a progress bar."""

import csv
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.core.cells import csv_row
from metrology_svc.core.clock import today
from metrology_svc.core.errors import DomainError, Invalid
from metrology_svc.core.quantities import Convention
from metrology_svc.db import new_session
from metrology_svc.imports.schemas import ImportMode, ImportReport, RowErrorPublic
from metrology_svc.imports.service import import_file
from metrology_svc.imports.upload import sheet_field
from metrology_svc.settings import get_settings

app = typer.Typer(help="Nhập danh sách / Import lists.", no_args_is_help=True)
SHOWN_ERRORS = 20
SHOWN_DUPLICATES = 5  # possible duplicate owners listed by the console (all are counted)
WAYS = {
    "vi": ("kiểu Việt Nam", "the Vietnamese way", "1.500,5"),
    "en": ("kiểu Anh", "the English way", "1,500.5"),
}
SOURCES = {
    "option": ("theo tuỳ chọn --convention", "as chosen with --convention"),
    "file": ("theo cách viết trong tệp", "as the file writes them"),
    "default": ("mặc định", "the default"),
}
# The operator at the console acts as the system: full rights, no account behind it.
SYSTEM = Principal(user_id=0, name="console", role=Role.ADMIN)


def principal_for(session: Session, email: str | None) -> Principal:
    """Return the principal a console command acts as: a user by e-mail, else the system."""
    if email is None:
        return SYSTEM
    repo = AuthRepository(session)
    user = repo.user_by_email(email.strip().lower())
    if user is None or user.id is None or user.disabled:
        raise Invalid(
            f"No active user {email}.", message_vi=f"Không có người dùng {email}.", loc=["--as"]
        )
    return Principal(
        user_id=user.id, name=user.name, role=user.role, unit_paths=repo.unit_paths(user.id)
    )


def _print_counts(report: ImportReport) -> None:
    """Print every count of the report, each in Vietnamese and English."""
    console.print(
        f"Dòng / rows: {report.rows} · Tạo mới / created: {report.created} · Cập nhật / "
        f"updated: {report.updated} · Không đổi / unchanged: {report.unchanged} · "
        f"Từ chối / rejected: {report.rejected} · Kiểm định ghi nhận / verifications "
        f"recorded: {report.verifications}",
        soft_wrap=True,
    )
    console.print(
        f"Không có lịch sử kiểm định / no verification history: {report.no_history} · "
        f"Lỗi / errors: {report.errors_total} · Cảnh báo / warnings: {report.warnings_total} · "
        f"Có thể trùng chủ sở hữu / possible duplicate owners: "
        f"{report.possible_duplicates_total}",
        soft_wrap=True,
    )


def _print_duplicates(report: ImportReport) -> None:
    """List the first possible duplicate owners: a clerk checks and merges them."""
    for d in report.possible_duplicates[:SHOWN_DUPLICATES]:
        others = ", ".join(str(i) for i in d.existing_owner_ids)
        console.print(
            f"  Dòng / row {d.row}: chủ sở hữu mới / new owner {d.owner_id} ({d.name}) ~ "
            f"đã có / known: {others}",
            soft_wrap=True,
        )
    more = report.possible_duplicates_total - min(SHOWN_DUPLICATES, len(report.possible_duplicates))
    if more > 0:
        console.print(f"  … {more} chủ sở hữu có thể trùng nữa / more possible duplicates")


def _print_report(report: ImportReport) -> None:
    _print_counts(report)
    vi_way, en_way, example = WAYS[report.convention]
    vi_from, en_from = SOURCES[report.convention_source]
    console.print(
        f"Số đọc {vi_way} ({example}), {vi_from} / numbers read {en_way} ({example}), {en_from}",
        soft_wrap=True,
    )
    _print_source(report)
    if report.ignored_columns:
        console.print(f"Cột bỏ qua / ignored columns: {', '.join(report.ignored_columns)}")
    _print_duplicates(report)
    _print_rows(report.warnings, "Cảnh báo / Warnings", "cảnh báo nữa / more warnings")
    _print_rows(report.errors, "Lỗi / Errors", "lỗi nữa / more errors")
    if report.errors_total > len(report.errors):
        # The report lists the first rejected rows only; the counts cover the whole file.
        console.print(f"Tổng số lỗi / errors in all: {report.errors_total}")
        for r in report.reasons:
            console.print(f"  {r.count} × {r.column}: {r.reason_vi} / {r.reason_en}")
    if not report.written:
        console.print("[red]Không nhập dòng nào (tất cả hoặc không). / Nothing imported.[/red]")


def _print_source(report: ImportReport) -> None:
    read = report.file_format.upper()
    if report.encoding:
        read += f", {report.encoding}"
    if report.sheet is not None:
        console.print(f"Tệp / file: {read} · Trang / sheet: {report.sheet}", soft_wrap=True)
    else:
        console.print(f"Tệp / file: {read}", soft_wrap=True)
    if report.converted_cells:
        console.print(
            f"Ô chuyển sang Unicode / cells converted to Unicode: {report.converted_cells} "
            f"({', '.join(report.converted_from)})",
            soft_wrap=True,
        )


def _print_rows(rows: list[RowErrorPublic], title: str, more: str) -> None:
    if not rows:
        return
    table = Table("Dòng / Row", "Cột / Column", "Lý do / Reason", "Giá trị / Value", title=title)
    for e in rows[:SHOWN_ERRORS]:
        table.add_row(str(e.row), e.column, f"{e.reason_vi} / {e.reason_en}", e.value)
    console.print(table)
    if len(rows) > SHOWN_ERRORS:
        console.print(f"… {len(rows) - SHOWN_ERRORS} {more}")


def write_report(path: Path, report: ImportReport) -> None:
    """Write the listed errors and warnings, then the counts by reason, to a UTF-8 CSV (BOM)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["row", "column", "reason_vi", "reason_en", "value", "level"])
        for level, rows in (("error", report.errors), ("warning", report.warnings)):
            for e in rows:
                # The values are the file's own cells: never written as formulas.
                out.writerow(csv_row([e.row, e.column, e.reason_vi, e.reason_en, e.value, level]))
        if report.errors_total > len(report.errors):
            for r in report.reasons:
                out.writerow(csv_row(["", r.column, r.reason_vi, r.reason_en, r.count, "count"]))


def _run(
    engine: Engine,
    file: Path,
    mode: ImportMode,
    convention: Convention | None,
    email: str | None,
    sheet: str | None = None,
) -> ImportReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        new_session(engine) as session,
        Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar,
    ):
        task = bar.add_task("Nhập / Importing", total=None)

        def progress(_phase: str, done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        report = import_file(
            session,
            principal_for(session, email),
            file,
            mode=mode,
            convention=convention,
            today=today(),
            due_soon_days=get_settings().due_soon_days,
            progress=progress,
            sheet=sheet,
        )
        if report.written:
            session.commit()
    return report


@app.command("instruments")
def instruments(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX list"),
    mode: ImportMode = typer.Option(ImportMode.ALL_OR_NOTHING, help="all-or-nothing|valid-only"),
    convention: Convention | None = typer.Option(
        None,
        help="Numbers written vi (1.500,5) or en (1,500.5); default: as the file shows, else vi",
    ),
    as_email: str | None = typer.Option(None, "--as", help="Act as this user (jurisdiction)"),
    report_path: Path | None = typer.Option(None, "--report", help="Write the errors to a CSV"),
    sheet: str | None = typer.Option(
        None, "--sheet", help="Workbook sheet by NAME or number N (1 = first); default: found"
    ),
) -> None:
    """Import instruments, owners and sites from a CSV, XLSX, XLS or ODS list (upsert by id)."""
    engine = engine_from_settings()
    ensure_schema(engine)
    try:
        report = _run(engine, file, mode, convention, as_email, sheet_field(sheet))
    except DomainError as exc:
        console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
        raise typer.Exit(code=1) from exc
    _print_report(report)
    if report_path is not None:
        write_report(report_path, report)
    if report.rejected:
        raise typer.Exit(code=1)
