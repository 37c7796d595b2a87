"""`metrology-svc units …`: the national lists, the succession of units, reading old codes.

Exit codes: 0 done; 2 bad input (unknown province, bad file, a code or address not understood),
with the reason in Vietnamese and English. A database kept busy is handled by the CLI's group.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.cli.rehome_cmd import rehome
from metrology_svc.core.errors import DomainError
from metrology_svc.db import new_session
from metrology_svc.units import conversion, disagreements, service, succession_files
from metrology_svc.units.schemas import LoadResult, SuccessionImport

EXIT_BAD_INPUT = 2
T = TypeVar("T")

app = typer.Typer(
    help="Đơn vị hành chính: danh mục, kế thừa, mã cũ / Administrative units: lists, "
    "succession, old codes.",
    no_args_is_help=True,
)
succession_app = typer.Typer(
    help="Kế thừa đơn vị cũ → mới / Succession of old units to new ones.", no_args_is_help=True
)
app.add_typer(succession_app, name="succession")


def fail(vi: str, en: str) -> typer.Exit:
    """Print a bilingual refusal and return the exit to raise (code 2)."""
    console.print(f"[red]{vi}[/red]\n{en}", soft_wrap=True)
    return typer.Exit(code=EXIT_BAD_INPUT)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn a domain refusal (bad input) into a bilingual message and exit code 2."""
    try:
        yield
    except DomainError as exc:
        raise fail(exc.message_vi, exc.message) from exc


def working(what: str, job: Callable[[], T]) -> T:
    """Run a long job under a spinner with the elapsed time."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        bar.add_task(what, total=None)
        return job()


def _print_load(result: LoadResult) -> None:
    console.print(
        f"Danh mục / list {result.scheme}: thêm / added {result.added} · đổi tên / renamed "
        f"{result.renamed} · không đổi / unchanged {result.unchanged} ({result.source})",
        soft_wrap=True,
    )
    for line in result.differing[:20]:
        console.print(f"  giữ nguyên / kept as stored: {line}", soft_wrap=True)


def _print_import(result: SuccessionImport) -> None:
    console.print(
        f"Kế thừa / succession: thêm / added {result.added} · cập nhật / updated "
        f"{result.updated} · không đổi / unchanged {result.unchanged} · đơn vị cũ tạo mới / "
        f"old units created {result.units_created}",
        soft_wrap=True,
    )
    for line in result.differing[:20]:
        console.print(f"  giữ nguyên / kept as stored: {line}", soft_wrap=True)


@app.command("load")
def load() -> None:
    """Nạp danh mục 2025 (34 tỉnh, 3.321 xã) / Load the 2025 list (idempotent)."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with refusals(), new_session(engine) as session:
        result = working(
            "Nạp danh mục 2025 / Loading the 2025 list", lambda: service.load_2025(session)
        )
        session.commit()
    _print_load(result)


@app.command("load-2004")
def load_2004(
    province: str = typer.Option(..., "--province", help="Mã tỉnh cũ / old province code, e.g. 42"),
) -> None:
    """Nạp đơn vị trước 2025 của một tỉnh / Load one province's pre-2025 units."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with refusals(), new_session(engine) as session:
        result = working(
            f"Nạp danh mục 2004, tỉnh {province} / Loading the 2004 list",
            lambda: service.load_2004(session, province),
        )
        session.commit()
    _print_load(result)


@succession_app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV (succession derive)"),
    resolution: str | None = typer.Option(None, help="Số nghị quyết cho dòng trống / for blanks"),
    resolution_date: str | None = typer.Option(None, help="yyyy-mm-dd, cho dòng trống / blanks"),
    source: str | None = typer.Option(None, help="Nguồn cho dòng trống / source for blank rows"),
) -> None:
    """Nhập bảng kế thừa từ tệp CSV / Import a succession file (idempotent)."""
    try:
        day = date.fromisoformat(resolution_date) if resolution_date else None
    except ValueError as exc:
        raise fail("Ngày không hợp lệ (yyyy-mm-dd).", "Invalid date (yyyy-mm-dd).") from exc
    engine = engine_from_settings()
    ensure_schema(engine)
    with refusals(), new_session(engine) as session:
        rows = succession_files.read_rows(file)
        result = working(
            "Nhập kế thừa / Importing succession",
            lambda: service.import_succession(
                session, rows, resolution=resolution, resolution_date=day, source=source
            ),
        )
        session.commit()
    _print_import(result)


@succession_app.command("derive")
def derive(
    province: str = typer.Option(..., "--province", help="Mã tỉnh 2025 / 2025 province code"),
    output: Path = typer.Option(..., "-o", "--output", dir_okay=False, help="Tệp CSV ghi ra"),
) -> None:
    """Tạo bảng kế thừa từ vietnamadminunits / Derive a succession file from the package."""
    try:
        rows = working(
            f"Tạo bảng kế thừa tỉnh {province} / Deriving",
            lambda: conversion.derived_succession(province),
        )
    except ValueError as exc:
        raise fail(
            f"{province} không phải mã tỉnh trong danh mục 2025.",
            f"{province} is not a province code of the 2025 list.",
        ) from exc
    count = succession_files.write_rows(output, rows)
    console.print(f"Đã ghi / written: {count} dòng / rows → {output}", soft_wrap=True)
    if any(not r.resolution for r in rows):
        console.print(
            "Chưa biết số nghị quyết của tỉnh này: cột resolution để trống, hãy điền trước khi "
            "nhập. / The resolution of this province is not known: the resolution column is "
            "blank, fill it in before importing.",
            soft_wrap=True,
        )


@succession_app.command("load")
def load_shipped(
    province: str = typer.Option("42", "--province", help="Mã tỉnh / province code"),
) -> None:
    """Nạp bảng kế thừa kèm theo phần mềm / Load the shipped succession file (Hà Tĩnh: 42)."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with refusals(), new_session(engine) as session:
        result = working(
            f"Nạp kế thừa tỉnh {province} / Loading succession",
            lambda: service.load_shipped_succession(session, province),
        )
        session.commit()
    _print_import(result)


@app.command("disagreements")
def write_disagreements(
    output: Path = typer.Option(..., "-o", "--output", dir_okay=False, help="Tệp CSV ghi ra"),
) -> None:
    """Ghi các mã hai nguồn khác nhau / Write where the two packages' 2025 lists differ."""
    rows = working("So sánh hai nguồn / Comparing the packages", disagreements.current)
    disagreements.write(output, rows)
    kinds = {k: sum(1 for r in rows if r.kind == k) for k in ("code", "spelling", "unmatched")}
    console.print(
        f"Khác mã / codes: {kinds['code']} · khác chính tả / spelling: {kinds['spelling']} · "
        f"không khớp / unmatched: {kinds['unmatched']} → {output}",
        soft_wrap=True,
    )


@app.command("convert")
def convert(
    text: str = typer.Argument(..., help='Mã hoặc địa chỉ / code or address, e.g. "18077"'),
) -> None:
    """Đọc mã hoặc địa chỉ cũ thành đơn vị 2025 / Read a code or address as a 2025 unit."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with refusals(), new_session(engine) as session:
        found = service.resolve_unit_input(session, text, loc=["text"])
    unit = found.unit
    table = Table("Mã / Code", "Tên / Name", "Danh mục / List", "Đường dẫn / Path")
    table.add_row(unit.code, unit.name, unit.scheme, unit.path)
    console.print(table)
    if found.warning_vi:
        console.print(f"{found.warning_vi}\n{found.warning_en}", soft_wrap=True)
    typer.echo(f"{unit.code}\t{unit.name}")


# Helper B's command, mounted here as `units rehome`.
app.command(
    "rehome",
    help="Chuyển địa điểm sang xã/phường hiện hành / Move sites to the communes in force.",
)(rehome)
