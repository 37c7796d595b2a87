"""`metrology-svc keys …`: the Ed25519 keys that sign stamp codes."""

import typer

from metrology_svc.cli.common import console
from metrology_svc.settings import get_settings
from metrology_svc.stamps.keys import KeyRing, public_key_b64, rotate

app = typer.Typer(help="Stamp signing keys / Khóa ký tem kiểm định.", no_args_is_help=True)


@app.command("rotate")
def rotate_key() -> None:
    """Add a new signing key; new stamps use it, older stamps stay verifiable."""
    settings = get_settings()
    if settings.stamp_signing_key is not None:
        console.print(
            "[red]Khóa ký được chỉ định bằng đường dẫn (METROLOGY_STAMP_SIGNING_KEY)[/red] / "
            "the signing key is given by path: replace that file and its id instead."
        )
        raise typer.Exit(code=1)
    ring = KeyRing.from_settings(settings)
    ring.load()  # creates key 1 first if there is none, so rotation always yields a new id
    try:
        key_id = rotate(settings.stamp_key_dir)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=1) from exc
    console.print(
        f"Khóa mới {key_id} sẽ ký tem từ nay (khởi động lại dịch vụ) / "
        f"key {key_id} signs new stamps from now on (restart the service)."
    )
    typer.echo(key_id)


@app.command("list")
def list_keys() -> None:
    """Print every key id with its public key (Base64 of the raw 32 bytes)."""
    ring = KeyRing.from_settings(get_settings())
    for info in ring.public_keys():
        mark = "active" if info.active else ""
        typer.echo(f"{info.key_id}\t{public_key_b64(info)}\t{info.created_at:%Y-%m-%d}\t{mark}")
