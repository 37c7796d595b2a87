"""The `metrology-svc` command line."""

import typer

from metrology_svc.cli import (
    audit_cmd,
    db_cmd,
    demo_cmd,
    devices_cmd,
    export_cmd,
    import_cmd,
    ingest_cmd,
    keys_cmd,
    scheduler_cmd,
    serve_cmd,
    users_cmd,
)

app = typer.Typer(
    help="metrology_svc: quản lý đo lường pháp định / legal metrology service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve_cmd.serve)
app.command("api")(serve_cmd.api)
app.command("demo")(demo_cmd.demo)
app.add_typer(db_cmd.app, name="db")
app.add_typer(users_cmd.app, name="users")
app.add_typer(keys_cmd.app, name="keys")
app.command("ingest")(ingest_cmd.ingest)
app.add_typer(devices_cmd.app, name="devices")
app.command("scheduler")(scheduler_cmd.scheduler)
app.add_typer(import_cmd.app, name="import")
app.add_typer(export_cmd.app, name="export")
app.add_typer(audit_cmd.app, name="audit")
