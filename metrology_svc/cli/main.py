"""The `metrology-svc` command line.

Each command lives in its own module and is imported only when it runs: `--help` and light
commands such as `users list` must not pay for the whole web app (FastAPI, every router,
reportlab, paho), which took 2-4 s before anything printed. The table below is the one place
that names a command, its module and the one line `--help` shows for it.
"""

import importlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer
from typer import _click as click  # the click Typer builds on (vendored since Typer 0.22)
from typer.core import TyperCommand, TyperGroup

from metrology_svc.sqlite_writer import database_busy

EXIT_BUSY = 75  # sysexits.h EX_TEMPFAIL: try again later


@dataclass(frozen=True)
class Entry:
    """Where a command lives (`module:attribute`, a function or a Typer group) and its help."""

    target: str
    help: str


COMMANDS: dict[str, Entry] = {
    "serve": Entry(
        "metrology_svc.cli.serve_cmd:serve",
        "Run the API, web pages, MQTT ingest and scheduler in one process.",
    ),
    "api": Entry("metrology_svc.cli.serve_cmd:api", "Run only the API and web pages."),
    "demo": Entry(
        "metrology_svc.cli.demo_cmd:demo", "Fill an empty registry with a demo province."
    ),
    "db": Entry("metrology_svc.cli.db_cmd:app", "Database schema / Lược đồ cơ sở dữ liệu."),
    "users": Entry(
        "metrology_svc.cli.users_cmd:app", "Users and API tokens / Người dùng và mã truy cập."
    ),
    "keys": Entry("metrology_svc.cli.keys_cmd:app", "Stamp signing keys / Khóa ký tem kiểm định."),
    "ingest": Entry("metrology_svc.cli.ingest_cmd:ingest", "Run the MQTT control-scale ingest."),
    "devices": Entry(
        "metrology_svc.cli.devices_cmd:app", "Connected control scales / Cân đối chứng kết nối."
    ),
    "scheduler": Entry(
        "metrology_svc.cli.scheduler_cmd:scheduler", "Run the due scan, reminders and notices."
    ),
    "import": Entry("metrology_svc.cli.import_cmd:app", "Nhập danh sách / Import lists."),
    "export": Entry("metrology_svc.cli.export_cmd:app", "Xuất danh sách / Export lists."),
    "audit": Entry("metrology_svc.cli.audit_cmd:app", "Audit chain / Nhật ký kiểm tra."),
    "rules": Entry("metrology_svc.cli.rules_cmd:app", "Rulebook / Bảng quy định đo lường."),
    "units": Entry(
        "metrology_svc.cli.units_cmd:app",
        "Đơn vị hành chính, kế thừa, mã cũ / Administrative units, succession, old codes.",
    ),
}


def load_command(name: str, entry: Entry) -> click.Command:
    """Import the command's module and build its click command."""
    module_name, _, attribute = entry.target.partition(":")
    target: Any = getattr(importlib.import_module(module_name), attribute)
    command: click.Command
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)  # a group even when it has one command
    else:
        single = typer.Typer()
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A Typer group whose commands are imported on first use (help lists them unimported)."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the command names in the table's order."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, imported now; while help is listed, a stub with its help line."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            return TyperCommand(cmd_name, help=entry.help)
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name, entry)
        return self.commands[cmd_name]

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a database busy past the bound ends with a clear message, no trace."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not database_busy(exc):
                raise
            typer.echo(
                "Cơ sở dữ liệu đang bận ghi dữ liệu khác; chưa có gì được lưu, hãy chạy lại "
                "lệnh. / The database stayed busy with other changes; nothing was saved: run "
                "the command again.",
                err=True,
            )
            raise typer.Exit(code=EXIT_BUSY) from exc

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Print the help with each command's line from the table, importing none of them."""
        with self._stubs():
            super().format_help(ctx, formatter)

    @contextmanager
    def _stubs(self) -> Any:
        self._listing = True
        try:
            yield
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    help="metrology_svc: quản lý đo lường pháp định / legal metrology service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Quản lý đo lường pháp định / legal metrology service."""
