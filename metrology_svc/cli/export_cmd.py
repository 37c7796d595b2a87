"""`metrology-svc export instruments OUT`: write the (filtered) list as CSV or XLSX."""

from pathlib import Path

import typer

from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.cli.import_cmd import principal_for
from metrology_svc.core.errors import DomainError
from metrology_svc.db import new_session
from metrology_svc.imports.export import Format, Lang, export_instruments
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.units.service import unit_by_code

app = typer.Typer(help="Xuất danh sách / Export lists.", no_args_is_help=True)


def _format(out: Path, given: str | None) -> Format:
    value = (given or out.suffix.lstrip(".") or "csv").lower()
    if value not in ("csv", "xlsx"):
        raise typer.BadParameter("csv or xlsx", param_hint="--format")
    return "xlsx" if value == "xlsx" else "csv"


@app.command("instruments")
def instruments(
    out: Path = typer.Argument(..., dir_okay=False, help="File to write (.csv or .xlsx)"),
    fmt: str | None = typer.Option(None, "--format", help="csv|xlsx (default: from the name)"),
    lang: str = typer.Option("vi", help="Headers in vi or en"),
    unit: str | None = typer.Option(None, help="Only this unit code and below"),
    status: list[InstrumentStatus] = typer.Option([], help="Only these statuses (repeat)"),
    as_email: str | None = typer.Option(None, "--as", help="Act as this user (jurisdiction)"),
) -> None:
    """Export instruments with the headers the importer reads (export → import is a no-op)."""
    if lang not in ("vi", "en"):
        raise typer.BadParameter("vi or en", param_hint="--lang")
    chosen: Lang = "en" if lang == "en" else "vi"
    kind = _format(out, fmt)
    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        try:
            user = principal_for(session, as_email)
            unit_path = None
            if unit is not None:
                unit_path = unit_by_code(session, unit).path
            flt = InstrumentFilter(
                unit_path=unit_path,
                statuses=tuple(status),
                visible_paths=None if user.sees_everything else user.unit_paths,
            )
            count = export_instruments(session, flt, out, fmt=kind, lang=chosen)
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
            raise typer.Exit(code=1) from exc
    console.print(f"Đã xuất / Exported {count} → {out}")
