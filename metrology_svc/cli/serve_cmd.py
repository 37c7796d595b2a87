"""`metrology-svc serve`: the whole service in one process."""

import typer
import uvicorn

from metrology_svc import migrate
from metrology_svc.app import create_app
from metrology_svc.bootstrap import prepare_database
from metrology_svc.cli.common import console, engine_from_settings
from metrology_svc.db import is_sqlite
from metrology_svc.settings import get_settings


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
) -> None:
    """Run the API and web pages (an embedded SQLite database is brought up to date first)."""
    settings = get_settings()
    engine = engine_from_settings()
    if is_sqlite(engine):
        prepare_database(engine)
    elif migrate.current_revisions(engine) != migrate.head_revisions():
        console.print(
            "[red]The database schema is not up to date: run `metrology-svc db "
            "upgrade` first. / Lược đồ CSDL chưa cập nhật.[/red]"
        )
        raise typer.Exit(code=2)
    console.print(f"metrology_svc on http://{host}:{port}  (docs: /docs)")
    uvicorn.run(create_app(settings=settings, engine=engine), host=host, port=port)
