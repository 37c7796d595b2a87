"""`metrology-svc audit …`: check the audit chain."""

import typer

from metrology_svc.audit.service import verify_chain
from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.db import new_session

app = typer.Typer(help="Audit chain / Nhật ký kiểm tra.", no_args_is_help=True)


@app.command("verify")
def verify(
    expect_head: str | None = typer.Option(
        None,
        "--expect-head",
        help="A head hash printed earlier and kept elsewhere: detects records deleted at the end",
    ),
) -> None:
    """Walk the chain in order, recompute every hash, and report the first break (exit 1)."""
    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        report = verify_chain(session, expect_head=expect_head)
    if report.broken is not None:
        console.print(f"[red]{report.broken.message_vi}[/red]")
        console.print(f"[red]{report.broken.message}[/red]")
        console.print(
            f"{report.count} bản ghi đầu tiên hợp lệ / the first {report.count} records are intact."
        )
        raise typer.Exit(code=1)
    console.print(
        f"Chuỗi nhật ký nguyên vẹn: {report.count} bản ghi / "
        f"The audit chain is intact: {report.count} records."
    )
    console.print(
        "Lưu mã băm đầu chuỗi ở nơi khác rồi kiểm tra lại bằng --expect-head / Keep the head "
        "hash elsewhere and check later with --expect-head:"
    )
    typer.echo(f"head seq={report.head_seq} hash={report.head_hash}")
