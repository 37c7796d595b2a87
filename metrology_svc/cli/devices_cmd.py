"""`metrology-svc devices …`: connected control scales and the broker's credentials."""

from pathlib import Path

import typer
from rich.markup import escape

from metrology_svc.cli.common import console, engine_from_settings, ensure_schema
from metrology_svc.core.errors import DomainError, Invalid
from metrology_svc.db import new_session
from metrology_svc.settings import get_settings

app = typer.Typer(help="Connected control scales / Cân đối chứng kết nối.", no_args_is_help=True)


@app.command("add")
def add(
    instrument: int = typer.Option(..., "--instrument", help="Id of the control-scale instrument"),
    device_id: str | None = typer.Option(None, "--id", help="Device id (default: generated)"),
) -> None:
    """Register a device for a control scale and print its credentials once."""
    from devices.registry import add_device

    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        try:
            issued = add_device(session, instrument_id=instrument, device_id=device_id)
        except DomainError as exc:
            console.print(f"[red]{exc.message_vi}[/red] / {exc.message}")
            raise typer.Exit(code=1) from exc
        session.commit()
    console.print(
        "Thiết bị đã đăng ký; mật khẩu chỉ hiện một lần / Device registered; the password is "
        "shown once. Then run `metrology-svc devices write-broker-auth DIR`."
    )
    typer.echo(f"device_id={issued.device.id}")
    typer.echo(f"password={issued.password}")


def _parses(url: str) -> bool:
    """Tell whether a URL splits at all (urlsplit refuses e.g. an unclosed "[" in the host)."""
    from devices.registry import service_account

    try:
        service_account(url)
    except ValueError:
        return False
    return True


def _ingest_accounts(mqtt_url: str, service_urls: list[str]) -> list[str]:
    """Return the ingest account names the files will hold; refuse a URL that gives none.

    A --service-url exists only to add an ingest's account, so one that names no user (or does
    not parse) is a typo that would otherwise leave that ingest locked out without a word.
    Messages show a URL's host only, never the password before the "@".
    """
    from devices.registry import service_account, service_accounts

    if not _parses(mqtt_url):
        raise Invalid(
            "METROLOGY_MQTT_URL is not a URL.", message_vi="METROLOGY_MQTT_URL không phải là URL."
        )
    for url in service_urls:
        if not _parses(url) or service_account(url) is None:
            host = url.rsplit("@", 1)[-1]
            raise Invalid(
                f"A --service-url (…@{host}) carries no ingest account: mqtt://user:pass@host.",
                message_vi=f"Một --service-url (…@{host}) không có tài khoản ingest: "
                "mqtt://tên:mật-khẩu@máy.",
            )
    return [name for name, _ in service_accounts([mqtt_url, *service_urls])]


@app.command("write-broker-auth")
def write_broker_auth(
    directory: Path = typer.Argument(..., help="Directory for the passwd and acl files"),
    service_url: list[str] = typer.Option(
        [],
        "--service-url",
        envvar="METROLOGY_MQTT_SERVICE_URLS",  # several URLs: space-separated in the environment
        help="An ingest's mqtt://user:pass@host URL, besides METROLOGY_MQTT_URL's: repeat it, "
        "one account per ingest of a share group (in the environment: space-separated)",
    ),
) -> None:
    """Write Mosquitto's password and ACL files for every device and every ingest account.

    The broker makes each username the client id, so the ingests of one share group need an
    account each: METROLOGY_MQTT_URL's, plus one per --service-url.
    """
    from devices.registry import write_broker_auth as write

    settings = get_settings()
    engine = engine_from_settings()
    ensure_schema(engine)
    with new_session(engine) as session:
        try:
            accounts = _ingest_accounts(settings.mqtt_url, service_url)
            pw, acl = write(
                session, directory=directory, mqtt_url=settings.mqtt_url, service_urls=service_url
            )
        except DomainError as exc:  # a device named like an ingest account, a bad name or URL
            console.print(f"[red]{escape(exc.message_vi)}[/red] / {escape(exc.message)}")
            raise typer.Exit(code=1) from exc
    console.print(
        "Đã ghi / Written: "
        f"{pw} and {acl}. Reload Mosquitto (SIGHUP) to apply / Nạp lại Mosquitto (SIGHUP)."
    )
    if accounts:
        console.print(f"Tài khoản ingest / Ingest accounts: {escape(', '.join(accounts))}")
    else:
        console.print(
            "[yellow]Không có tài khoản ingest nào: ingest sẽ không đăng nhập được broker. / "
            "No ingest account: no ingest can log in to the broker. Set METROLOGY_MQTT_URL to "
            "mqtt://user:pass@host or give --service-url.[/yellow]"
        )
