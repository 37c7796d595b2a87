"""`metrology-svc users …`: accounts and API tokens."""

import typer

from metrology_svc.auth.models import Role
from metrology_svc.auth.service import create_user
from metrology_svc.cli.common import console, engine_from_settings
from metrology_svc.core.errors import DomainError
from metrology_svc.db import new_session

app = typer.Typer(help="Users and API tokens / Người dùng và mã truy cập.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Option(..., help="E-mail, unique"),
    name: str = typer.Option(..., help="Full name"),
    role: Role = typer.Option(Role.VIEWER, help="admin, inspector or viewer"),
    unit: list[str] = typer.Option([], help="Unit code of an inspector's jurisdiction (repeat)"),
) -> None:
    """Create a user and print its API token once (it is stored only as a hash)."""
    with new_session(engine_from_settings()) as session:
        try:
            issued = create_user(session, name=name, email=email, role=role, unit_codes=unit)
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
            raise typer.Exit(code=1) from exc
        session.commit()
    console.print(
        f"User {issued.user.email} ({role.value}) created. Token, shown once "
        "/ Mã truy cập, chỉ hiện một lần:"
    )
    typer.echo(issued.token)
