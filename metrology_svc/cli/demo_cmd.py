"""`metrology-svc demo`: fill an empty registry with the demo province (Hà Tĩnh)."""

from datetime import date

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.core.clock import today as clock_today
from metrology_svc.core.errors import Conflict, DomainError
from metrology_svc.db import new_session
from metrology_svc.demo.loader import (
    DemoResult,
    ProgressFn,
    generate,
    instrument_count,
    summary,
)
from metrology_svc.demo.plan import DEFAULT_INSTRUMENTS, DEFAULT_SEED
from metrology_svc.instrument_types.repository import TypeRepository
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.settings import Settings, get_settings


def load_demo(
    engine: Engine,
    *,
    settings: Settings,
    today: date,
    seed: int = DEFAULT_SEED,
    instruments: int = DEFAULT_INSTRUMENTS,
    progress: ProgressFn | None = None,
) -> DemoResult:
    """Generate the demo into an empty registry and commit; refuse (Conflict) if it is not empty."""
    with new_session(engine) as session:
        held = instrument_count(session)
        if held:
            raise Conflict(
                f"The registry already holds {held} instruments: demo data not loaded.",
                message_vi=f"Sổ đăng ký đã có {held} phương tiện đo: không nạp dữ liệu mẫu.",
                loc=["database"],
            )
        result = generate(
            session,
            settings=settings,
            today=today,
            seed=seed,
            instruments=instruments,
            progress=progress,
        )
        session.commit()
    return result


def load_demo_if_empty(engine: Engine, *, settings: Settings, today: date) -> DemoResult | None:
    """Load the demo when the registry has no instruments yet; return None when it has some."""
    with new_session(engine) as session:
        if instrument_count(session):
            return None
    return load_demo(engine, settings=settings, today=today)


def print_logins(result: DemoResult, *, base_url: str) -> None:
    """Print each demo account's login and the admin API token (shown once; stored hashed)."""
    console.print(
        f"Đăng nhập tại / Log in at {base_url}/ (mật khẩu chỉ hiện một lần / passwords are "
        "shown once):"
    )
    for login in result.logins:
        web = login.role.value != "owner"
        secret = login.password if web else f"{login.password}  token: {login.token}"
        typer.echo(f"  {login.key:<20} {login.email:<36} {secret}")
        where = "" if web else " (API, no web pages / chỉ dùng API)"
        console.print(f"  {'':<20} [dim]{login.scope_vi} / {login.scope_en}{where}[/dim]")
    console.print("Mã truy cập API quản trị / Admin API token:")
    typer.echo(f"  {result.tokens['admin']}")


def _print_summary(engine: Engine) -> None:
    with new_session(engine) as session:
        counts = summary(session)
        names = {t.code: t.name_vi for t in TypeRepository(session).all()}
    by_status = dict.fromkeys((s.value for s in InstrumentStatus), 0)
    types = Table("Loại / Type", "Mã / Code", "Số / Count", title="Theo loại / By type")
    for code, per_status in counts.items():
        types.add_row(names.get(code, code), code, str(sum(per_status.values())))
        for status, n in per_status.items():
            by_status[status] += n
    statuses = Table("Trạng thái / Status", "Số / Count", title="Theo trạng thái / By status")
    for status, n in by_status.items():
        statuses.add_row(status, str(n))
    statuses.add_row("Tổng / Total", str(sum(by_status.values())))
    console.print(statuses, types)


def _load_with_progress(
    engine: Engine, *, settings: Settings, today: date, seed: int, instruments: int
) -> DemoResult:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("Dữ liệu mẫu / Demo data", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return load_demo(
            engine,
            settings=settings,
            today=today,
            seed=seed,
            instruments=instruments,
            progress=advance,
        )


def demo(
    seed: int = typer.Option(DEFAULT_SEED, help="Random seed; the same seed gives the same data"),
    instruments: int = typer.Option(
        DEFAULT_INSTRUMENTS, min=100, help="About how many instruments to create"
    ),
    today: str | None = typer.Option(
        None, help="Pretend today is this date (YYYY-MM-DD); default: today"
    ),
) -> None:
    """Fill an empty registry with a demo province: units, markets, stations, instruments."""
    try:
        day = date.fromisoformat(today) if today else clock_today()
    except ValueError as exc:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--today") from exc
    settings = get_settings()
    engine = engine_from_settings()
    ensure_schema(engine)
    try:
        result = _load_with_progress(
            engine, settings=settings, today=day, seed=seed, instruments=instruments
        )
    except DomainError as exc:
        console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
        raise typer.Exit(code=1) from exc
    console.print(
        f"[green]Đã tạo / Created:[/green] {result.units} units of the 2004 list, "
        f"{result.sites} sites, {result.owners} owners, {result.instruments} instruments, "
        f"{result.verifications} verifications."
    )
    console.print(
        f"Chuyển sang xã/phường 2025 / Rehomed on 01/07/2025: {result.sites_moved} sites moved, "
        f"{result.cases_decided} split cases decided, {result.cases_open} waiting on /web/rehoming."
    )
    _print_summary(engine)
    print_logins(result, base_url=settings.public_base_url.rstrip("/"))
