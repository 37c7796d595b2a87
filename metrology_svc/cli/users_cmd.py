"""`metrology-svc users …`: accounts and API tokens."""

import sys

import typer
from rich.console import Console
from rich.table import Table

from metrology_svc.auth.credentials import set_password
from metrology_svc.auth.models import Role
from metrology_svc.auth.repository import Account, AuthRepository
from metrology_svc.auth.service import create_user
from metrology_svc.cli.common import console, engine_from_settings
from metrology_svc.core.errors import DomainError
from metrology_svc.db import new_session

app = typer.Typer(help="Users and API tokens / Người dùng và mã truy cập.", no_args_is_help=True)


def _scope(account: Account) -> str:
    role = account.user.role
    if role is Role.OWNER:
        return account.owner.name if account.owner else "—"
    if role is Role.INSPECTOR:
        return ", ".join(f"{u.name} ({u.code})" for u in account.units) or "—"
    return "toàn cơ quan / office-wide"


@app.command("list")
def list_users() -> None:
    """List accounts with their role, scope and how they log in (never passwords or tokens)."""
    with new_session(engine_from_settings()) as session:
        accounts = AuthRepository(session).accounts()
    table = Table(
        "Id",
        "E-mail",
        "Tên / Name",
        "Vai trò / Role",
        "Phạm vi / Scope",
        "Mật khẩu / Password",
        "Mã truy cập / Tokens",
        title=f"Tài khoản / Accounts: {len(accounts)}",
    )
    for a in accounts:
        table.add_row(
            str(a.user.id),
            a.user.email,
            a.user.name,
            a.user.role.value + (" (khóa / disabled)" if a.user.disabled else ""),
            _scope(a),
            "có / set" if a.has_password else "chưa / none",
            str(a.live_tokens),
        )
    Console(width=max(console.width, 160)).print(table)


@app.command("create")
def create(
    email: str = typer.Option(..., help="E-mail, unique"),
    name: str = typer.Option(..., help="Full name"),
    role: Role = typer.Option(Role.VIEWER, help="admin, inspector, viewer or owner"),
    unit: list[str] = typer.Option(
        [],
        help="Mã tỉnh hoặc xã/phường/đặc khu (danh mục hiện hành) / Province or commune code "
        "of the list in force, for an inspector's scope (repeat)",
    ),
    owner_id: int | None = typer.Option(None, help="Role owner: the owner the account reads"),
) -> None:
    """Create a user and print its API token once (it is stored only as a hash)."""
    with new_session(engine_from_settings()) as session:
        try:
            issued = create_user(
                session, name=name, email=email, role=role, unit_codes=unit, owner_id=owner_id
            )
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
            raise typer.Exit(code=1) from exc
        session.commit()
    console.print(
        f"User {issued.user.email} ({role.value}) created. Token, shown once "
        "/ Mã truy cập, chỉ hiện một lần:"
    )
    typer.echo(issued.token)


@app.command("set-password")
def set_password_cmd(
    email: str = typer.Option(..., help="E-mail of the user"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)"
    ),
) -> None:
    """Set the password a user logs in to the web pages with (asked for, never echoed)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=True)
    with new_session(engine_from_settings()) as session:
        try:
            user = set_password(session, email=email, password=password)
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
            raise typer.Exit(code=1) from exc
        session.commit()
    console.print(f"Đã đặt mật khẩu cho / Password set for {user.email}.")
