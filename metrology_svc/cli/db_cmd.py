"""`metrology-svc db …`: schema migrations."""

import typer

from metrology_svc import migrate
from metrology_svc.bootstrap import prepare_database, seal_secrets
from metrology_svc.cli.common import console, engine_from_settings
from metrology_svc.settings import get_settings

app = typer.Typer(help="Database schema / Lược đồ cơ sở dữ liệu.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Upgrade the schema to the newest migration and load reference data."""
    engine = engine_from_settings()
    changed = prepare_database(engine) + seal_secrets(engine, get_settings())
    revisions = ", ".join(sorted(migrate.current_revisions(engine)))
    console.print(
        f"[green]Database at revision {revisions}[/green]; reference rows changed: {changed}"
    )


@app.command("current")
def current() -> None:
    """Print the schema revision the database is at."""
    typer.echo(", ".join(sorted(migrate.current_revisions(engine_from_settings()))) or "(empty)")
