"""`metrology-svc devices …`: connected control scales and the broker's credentials."""

from pathlib import Path

import typer

from metrology_svc.cli.common import console, engine_from_settings
from metrology_svc.core.errors import DomainError
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

    with new_session(engine_from_settings()) as session:
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


@app.command("write-broker-auth")
def write_broker_auth(
    directory: Path = typer.Argument(..., help="Directory for the passwd and acl files"),
) -> None:
    """Write Mosquitto's password and ACL files for every device and the ingest account."""
    from devices.registry import write_broker_auth as write

    settings = get_settings()
    with new_session(engine_from_settings()) as session:
        pw, acl = write(session, directory=directory, mqtt_url=settings.mqtt_url)
    console.print(
        "Đã ghi / Written: "
        f"{pw} and {acl}. Reload Mosquitto (SIGHUP) to apply / Nạp lại Mosquitto (SIGHUP)."
    )
