"""The `metrology-svc` command line."""

import typer

from metrology_svc.cli import db_cmd, serve_cmd, users_cmd

app = typer.Typer(
    help="metrology_svc: quản lý đo lường pháp định / legal metrology service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve_cmd.serve)
app.add_typer(db_cmd.app, name="db")
app.add_typer(users_cmd.app, name="users")
