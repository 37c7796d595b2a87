"""`metrology-svc rules …`: list, show and load rule table versions (no web app imported)."""

from datetime import date
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.core.errors import DomainError
from metrology_svc.db import new_session
from metrology_svc.rulebook import catalogue, service
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.rulebook.repository import RuleRepository
from metrology_svc.rulebook.rules import STATUSES
from metrology_svc.rulebook.schemas import RuleTableCreate
from metrology_svc.rulebook.shipped import read_csv

app = typer.Typer(help="Rulebook / Bảng quy định đo lường.", no_args_is_help=True)
MAX_FILE_BYTES = 1024 * 1024


def _wide() -> Console:
    return Console(width=max(console.width, 160))


@app.command("list")
def list_rules() -> None:
    """List every version of every rule table: dates, status, source."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        tables = RuleRepository(session).all()
    out = Table(
        "Id",
        "Code",
        "Phiên bản / Version",
        "Từ / From",
        "Đến / To",
        "Trạng thái / Status",
        "Nguồn / Source",
        "Dòng / Rows",
        title=f"Bảng quy định / Rule tables: {len(tables)}",
    )
    for t in tables:
        out.add_row(
            str(t.id),
            t.code,
            t.version,
            t.effective_from.isoformat(),
            t.effective_to.isoformat() if t.effective_to else "—",
            t.status + (" (binding)" if t.binding else "") + f" [{t.origin}]",
            t.source,
            str(len(t.rows)),
        )
    _wide().print(out)


def _show(table: RuleTable) -> None:
    spec = catalogue.spec_for(table.code)
    columns = [c.name for c in spec.columns] if spec else sorted({k for r in table.rows for k in r})
    extra = [k for k in ("status", "source") if any(k in r for r in table.rows)]
    until = table.effective_to.isoformat() if table.effective_to else "…"
    out = Table(title=f"{service.ref_of(table).label}: {table.effective_from} → {until}")
    for c in [*columns, *extra]:
        heading = f"{c} ({table.units[c]})" if c in table.units else c
        out.add_column(heading, no_wrap=c != "source", overflow="fold")
    for row in table.rows:
        out.add_row(*[row.get(c, "") for c in columns + extra])
    wide = _wide()
    wide.print(out)
    wide.print(
        f"{table.status}{' (binding)' if table.binding else ''}: {table.source}", soft_wrap=True
    )


@app.command("show")
def show(
    code: str = typer.Argument(..., help="cycles, scale_mpe, scale_classes, dispenser_mpe, …"),
    version: str | None = typer.Option(None, "--version", help="One version, e.g. 2024-10-15"),
) -> None:
    """Show the versions of a table (or one of them) with their rows."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        try:
            tables = service.versions_of(session, code)
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red] / {exc.message}", soft_wrap=True)
            raise typer.Exit(code=1) from exc
    chosen = [t for t in tables if version is None or t.version == version]
    if not chosen:
        console.print(
            f"[red]Không có phiên bản / No version {version} of {code}.[/red]", soft_wrap=True
        )
        raise typer.Exit(code=1)
    for table in chosen:
        _show(table)


def _request(
    file: Path,
    *,
    code: str,
    effective_from: date,
    effective_to: date | None,
    status: str,
    binding: bool,
    source: str,
) -> RuleTableCreate:
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{file} is larger than {MAX_FILE_BYTES} bytes")
    rows = [{k: v for k, v in r.items() if k != "effective_from"} for r in read_csv(file)]
    return RuleTableCreate.model_validate(
        {
            "code": code,
            "effective_from": effective_from,
            "effective_to": effective_to,
            "status": status,
            "binding": binding,
            "source": source,
            "rows": rows,
        }
    )


@app.command("load")
def load(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="CSV with the table's columns"
    ),
    code: str = typer.Option(..., "--code", help="Which table, e.g. cycles"),
    effective_from: str = typer.Option(..., "--effective-from", help="yyyy-mm-dd"),
    effective_to: str | None = typer.Option(None, "--effective-to", help="Last day in force"),
    source: str = typer.Option(..., "--source", help="Where the numbers come from"),
    status: str = typer.Option(..., "--status", help=" | ".join(STATUSES)),
    binding: bool = typer.Option(False, "--binding", help="Shortfall evidence counts as 'short'"),
) -> None:
    """Load a new version of a table from a CSV file; it applies from its date only."""
    try:
        data = _request(
            file,
            code=code,
            effective_from=date.fromisoformat(effective_from),
            effective_to=date.fromisoformat(effective_to) if effective_to else None,
            status=status,
            binding=binding,
            source=source,
        )
    except (ValueError, ValidationError) as exc:
        console.print(
            f"[red]Tệp hoặc tham số không hợp lệ / Invalid file or option:[/red] {exc}",
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from exc
    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        try:
            table = service.load_table(session, actor="console", data=data)
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red]\n{exc.message}", soft_wrap=True)
            raise typer.Exit(code=1) from exc
        label = service.ref_of(table).label
        session.commit()
    console.print(
        f"Đã nạp / Loaded {label} (id {table.id}), áp dụng từ / in force from "
        f"{table.effective_from:%d/%m/%Y}.",
        soft_wrap=True,
    )
