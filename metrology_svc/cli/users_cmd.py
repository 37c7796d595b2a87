"""`metrology-svc users …`: accounts and API tokens."""

import sys
from datetime import UTC, datetime, time

import typer
from rich.console import Console
from rich.table import Table

from metrology_svc.auth import accounts
from metrology_svc.auth.credentials import set_password
from metrology_svc.auth.models import Role
from metrology_svc.auth.repository import Account, AuthRepository
from metrology_svc.auth.service import create_user, token_expiry
from metrology_svc.cli.common import console, engine_from_settings
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import DomainError
from metrology_svc.db import new_session
from metrology_svc.settings import get_settings

app = typer.Typer(help="Users and API tokens / Người dùng và mã truy cập.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="API tokens: list, create, revoke / Mã truy cập: xem, cấp, thu hồi.",
    no_args_is_help=True,
)
app.add_typer(tokens_app, name="tokens")
DAYS_HELP = "Token lifetime in days (0: never expires); default METROLOGY_TOKEN_DAYS"


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
    return typer.Exit(code=1)


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
    token_days: int | None = typer.Option(None, "--token-days", min=0, help=DAYS_HELP),
) -> None:
    """Create a user and print its API token once (it is stored only as a hash)."""
    days = get_settings().token_days if token_days is None else token_days
    with new_session(engine_from_settings()) as session:
        try:
            issued = create_user(
                session,
                name=name,
                email=email,
                role=role,
                unit_codes=unit,
                owner_id=owner_id,
                token_days=days,
            )
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
    console.print(
        f"User {issued.user.email} ({role.value}) created. Token, shown once "
        f"/ Mã truy cập, chỉ hiện một lần ({_lifetime(days)}):"
    )
    typer.echo(issued.token)


def _lifetime(days: int) -> str:
    if not days:
        return "không hết hạn / never expires"
    return f"hết hạn sau {days} ngày / expires in {days} days"


@app.command("disable")
def disable(email: str = typer.Option(..., help="E-mail of the account")) -> None:
    """Disable an account: its tokens and web sessions stop working at once."""
    _set_disabled(email, disabled=True)


@app.command("enable")
def enable(email: str = typer.Option(..., help="E-mail of the account")) -> None:
    """Enable a disabled account again (its old web sessions stay ended)."""
    _set_disabled(email, disabled=False)


def _set_disabled(email: str, *, disabled: bool) -> None:
    with new_session(engine_from_settings()) as session:
        try:
            user = accounts.set_disabled(session, email=email, disabled=disabled)
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
    if disabled:
        console.print(f"Đã khóa tài khoản / Account disabled: {user.email}.")
    else:
        console.print(f"Đã mở khóa tài khoản / Account enabled: {user.email}.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


@tokens_app.command("list")
def tokens_list(
    email: str | None = typer.Option(None, help="Only this account's tokens"),
) -> None:
    """List API tokens: id, account, label, first characters, made, expires, state."""
    now = utcnow()
    with new_session(engine_from_settings()) as session:
        try:
            rows = accounts.list_tokens(session, email=email)
        except DomainError as exc:
            raise _fail(exc) from exc
    table = Table(
        "Id",
        "E-mail",
        "Nhãn / Label",
        "Đầu mã / Starts",
        "Cấp / Made",
        "Hết hạn / Expires",
        "Trạng thái / State",
        title=f"Mã truy cập / Tokens: {len(rows)}",
    )
    states = {"live": "còn hiệu lực / live", "expired": "hết hạn / expired"}
    for row in rows:
        t = row.token
        state = states.get(row.state(now), f"thu hồi / revoked {_when(t.revoked_at)}")
        if row.user.disabled and row.state(now) == "live":
            state += " (tài khoản khóa / account disabled)"
        expires = _when(t.expires_at) if t.expires_at else "không / never"
        table.add_row(
            str(t.id), row.user.email, t.label, t.prefix + "…", _when(t.created_at), expires, state
        )
    Console(width=max(console.width, 160)).print(table)


@tokens_app.command("create")
def tokens_create(
    email: str = typer.Option(..., help="E-mail of the account"),
    label: str = typer.Option("", help="What the token is for (e.g. the script that uses it)"),
    days: int | None = typer.Option(None, min=0, help=DAYS_HELP),
    expires: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Expiry date (UTC, end of that day); instead of --days"
    ),
) -> None:
    """Issue another API token for an account and print it once."""
    if days is not None and expires is not None:
        console.print("[red]Chỉ dùng --days hoặc --expires / Give --days or --expires, not both.")
        raise typer.Exit(code=2)
    expires_at: datetime | None
    if expires is not None:
        expires_at = datetime.combine(expires.date(), time.max, tzinfo=UTC)
    else:
        expires_at = token_expiry(get_settings().token_days if days is None else days)
    with new_session(engine_from_settings()) as session:
        try:
            user, token = accounts.make_token(
                session, email=email, label=label, expires_at=expires_at
            )
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
    console.print(
        f"Token for {user.email}, expires {_when(expires_at) if expires_at else 'never'}; "
        "shown once / Mã truy cập, chỉ hiện một lần:"
    )
    typer.echo(token)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: int | None = typer.Argument(None, help="Id of the token (see `users tokens list`)"),
    email: str | None = typer.Option(None, help="Revoke every live token of this account"),
) -> None:
    """Revoke a token (by id) or all of an account's tokens (--email); they stop at once."""
    if (token_id is None) == (email is None):
        console.print("[red]Cho số mã hoặc --email / Give a token id or --email.[/red]")
        raise typer.Exit(code=2)
    with new_session(engine_from_settings()) as session:
        try:
            if token_id is not None:
                accounts.revoke_token(session, token_id=token_id)
                count = 1
            else:
                assert email is not None
                count = accounts.revoke_all(session, email=email)
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
    console.print(f"Đã thu hồi / Revoked: {count} token(s).")


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
            raise _fail(exc) from exc
        session.commit()
    console.print(f"Đã đặt mật khẩu cho / Password set for {user.email}.")
