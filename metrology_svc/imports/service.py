"""Import an instrument list: check every row first, then write in bulk; the caller commits.

An import never sets a due date or a status by itself: a row's last-verification date becomes an
imported verification record (verifications.imported), which moves the due date by the cycle.
"""

import contextvars
import itertools
import logging
import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import cast

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.quantities import Convention
from metrology_svc.imports import history, notices, source_notices
from metrology_svc.imports.error_file import ErrorSink
from metrology_svc.imports.numbers import NumberWay, Restart
from metrology_svc.imports.parse_worker import PROCESS_FROM_BYTES, Elsewhere, Job
from metrology_svc.imports.planning import ChunkContext, Lookups, Plan, check_chunk, public
from metrology_svc.imports.readers import ProgressFn, Table, open_table, put_unless_stopped
from metrology_svc.imports.repository import ImportRepository
from metrology_svc.imports.rules import Parsed, parsed_chunks
from metrology_svc.imports.schemas import ImportMode, ImportReport, RowErrorPublic
from metrology_svc.imports.type_names import TypeNames
from metrology_svc.imports.writer import Context, Writer
from metrology_svc.rulebook.service import load_rulebook

CHUNK = 2000
log = logging.getLogger(__name__)


def _differs(row: int, label: str, listed: date, registry: date) -> list[RowErrorPublic]:
    return public([notices.due_differs(row, label, listed=listed, registry=registry)])


def _due_warnings(plan: Plan, dues: dict[int, date | None], label: str) -> None:
    """Warn where a row's listed due date is not the registry's (which the import kept)."""
    for parsed, before in plan.listed:
        registry, listed = dues.get(parsed.row, before), parsed.listed_due
        if parsed.result == "fail" and parsed.row in dues:
            continue  # recorded as failed: the file's due date has no standing
        if registry is None:
            plan.undated.append(parsed.row)
        elif listed is not None and listed != registry:
            plan.report.warn_each(1, partial(_differs, parsed.row, label, listed, registry))


def _write_chunk(plan: Plan, writer: Writer, lk: Lookups, table: Table) -> None:
    owner_ids, site_ids = writer.places(plan.new_owners, plan.new_sites)
    # Later chunks find this chunk's new owners and sites like any stored one.
    lk.owners_written(plan, owner_ids)
    lk.sites.update(site_ids)
    ids = writer.creates(plan.creates)
    writer.updates(plan.updates)
    new = [(p, i) for (p, _o, _s), i in zip(plan.creates, ids, strict=True) if p.verified_on]
    dues = writer.verifications(new + plan.verify)
    report = plan.report
    report.created += len(plan.creates)
    report.updated += len({p.row for p, _s, _c in plan.updates} | {p.row for p, _i in plan.verify})
    report.verifications += len(dues)
    _due_warnings(plan, dues, table.header.label("due_date"))
    plan.clear()


class _ParsedAhead:
    """Reads and parses the list's chunks in a thread of its own while the caller checks and
    writes the chunk before: reading and parsing need no database, so they run while the
    caller waits on it (the driver lets go of the GIL meanwhile). At most AHEAD parsed chunks
    wait (bounded memory). Whatever the thread raises (a Restart, a broken file) is raised
    to the caller, in order; close() stops the thread."""

    AHEAD = 2

    def __init__(
        self, table: Table, way: NumberWay, types: dict[str, str], *, skip: int = 0
    ) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=self.AHEAD)
        self._stop = threading.Event()
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run, args=(self._run, table, way, types, skip), name="import-parse"
        )
        self._thread.start()

    def _put(self, item: object) -> bool:
        return put_unless_stopped(self._queue, item, self._stop)

    def _run(self, table: Table, way: NumberWay, types: dict[str, str], skip: int) -> None:
        try:
            # The first `skip` chunks were parsed elsewhere already (_parsed).
            for item in parsed_chunks(table.rows, table.header, way, types, CHUNK, skip=skip):
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # raised again in the caller's thread, by __iter__
            self._put(exc)

    def __iter__(self) -> Iterator[tuple[int, list[Parsed]]]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(tuple[int, list[Parsed]], item)

    def close(self) -> None:
        """Stop the thread (if it is still reading) and wait for it."""
        self._stop.set()
        self._thread.join()


_END = object()


def _parsed(
    table: Table, way: NumberWay, types: TypeNames
) -> Generator[tuple[int, list[Parsed]], None, None]:
    """Yield the list's chunks parsed ahead: by a process of its own for a large CSV (see
    imports.parse_worker), else by a thread. Where the process stops short (a row or a file it
    refuses, or its own end), this process reads on from the first chunk it did not send, and
    meets the same failure (raised as usual), if it was the file's."""
    sent = 0
    if table.origin is not None and table.origin[0].stat().st_size >= PROCESS_FROM_BYTES:
        path, limits = table.origin
        # The process takes a moment to start (an interpreter and its imports): this one
        # parses the first chunk meanwhile, and the process only sees it (Job.skip).
        child = Elsewhere(Job(path, limits, way, types, CHUNK, skip=1))
        try:
            yield from itertools.islice(
                parsed_chunks(table.rows, table.header, way, types, CHUNK), 1
            )
            yield from child
        finally:
            child.close()
        if child.final is not None:
            final = child.final
            way.first, way.read_undecided = final.way.first, final.way.read_undecided
            table.source.converted = final.converted
            table.source.converted_from = final.converted_from
            return
        log.info("import: the parsing process stopped (%s); reading on here", child.failed)
        sent = child.sent  # the chunks after the first one
    ahead = _ParsedAhead(table, way, types, skip=sent)
    try:
        yield from ahead
    finally:
        ahead.close()


def _run_chunks(
    ctx: ChunkContext,
    writer: Writer,
    ahead: Iterable[tuple[int, list[Parsed]]],
    progress: ProgressFn | None,
) -> None:
    plan, table = ctx.plan, ctx.table
    strict = plan.report.mode is ImportMode.ALL_OR_NOTHING
    for count, parsed in ahead:
        check_chunk(ctx, parsed)
        if strict and plan.report.rejected:
            # Keep checking, for a complete report, but write no more. New owners and sites
            # stay listed so later rows that name them are judged as if they had been written.
            plan.creates, plan.updates, plan.verify, plan.listed = [], [], [], []
        else:
            _write_chunk(plan, writer, ctx.lk, table)
        plan.report.rows += count
        if progress:
            progress("rows", plan.report.rows, table.total)


def _start(rows: Table, mode: ImportMode) -> ImportReport:
    """Return an empty report that says which columns the import does not use."""
    header = rows.header
    report = ImportReport(mode=mode, ignored_columns=list(header.ignored))
    unused = notices.status_columns(rows.header_row, header.ignored)
    unused += notices.unknown_columns(rows.header_row, header.ignored)
    if "due_date" in header.positions:
        unused.insert(0, notices.due_column(rows.header_row, header.label("due_date")))
    report.warn(public(unused))
    source_notices.start(report, rows)
    return report


def _finish(plan: Plan, rows: Table, way: NumberWay) -> ImportReport:
    """Complete the report: the convention used, and the rows whose due date had no basis."""
    report = plan.report
    report.convention, report.convention_source = way.convention.value, way.source
    source_notices.finish(report, rows)
    if plan.undated:
        label = rows.header.label("due_date")
        undated = notices.due_without_verification(rows.header_row, label, plan.undated)
        report.warn(public([undated]))
    if report.no_history:
        label = rows.header.label("last_verified_on")
        notice = history.no_history(rows.header_row, label, report.no_history, plan.no_history)
        report.warn(public([notice]))
    return report


def _audit(session: Session, user: Principal, report: ImportReport) -> None:
    # One summary record per import; each imported verification has its own record too.
    audit(
        session,
        actor=user,
        action="import.instruments",
        entity="import",
        entity_id=None,
        detail=report.model_dump(
            include={"mode", "rows", "created", "updated", "unchanged", "rejected"}
        ),
    )


def import_instruments(
    session: Session,
    user: Principal,
    rows: Table,
    *,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    today: date,
    due_soon_days: int = 30,
    file_name: str = "",
    way: NumberWay | None = None,
    progress: ProgressFn | None = None,
    every_error: ErrorSink | None = None,
) -> ImportReport:
    """Import the rows of a list: create, update or leave each instrument; the caller commits.

    With `every_error`, each rejected row's errors are written there too (past the report's
    cap)."""
    user.require_write()
    way = way or NumberWay()
    # Chunks are written as they are checked (so reading, checking and writing overlap);
    # all-or-nothing undoes them through this savepoint if any row is rejected. Opened before
    # the lookups are read: on SQLite it makes the import the writer (BEGIN IMMEDIATE), so no
    # owner or site created meanwhile is missed and created twice.
    savepoint = session.begin_nested()
    repo = ImportRepository(session)
    rulebook = load_rulebook(session)  # once per import
    context = Context(user, today, due_soon_days, file_name, rulebook)
    plan = Plan(report=_start(rows, mode))
    if every_error is not None:
        every_error.restart()
        plan.report.send_every_error_to(every_error.write)
    ctx = ChunkContext(repo, user, Lookups.load(repo, rulebook, today), plan, rows)
    ahead = _parsed(rows, way, ctx.lk.types)
    try:
        _run_chunks(ctx, Writer(repo, context), ahead, progress)
    except BaseException:
        savepoint.rollback()
        raise
    finally:
        ahead.close()
    report = _finish(plan, rows, way)
    if mode is ImportMode.ALL_OR_NOTHING and report.rejected:
        savepoint.rollback()
        report.created = report.updated = report.unchanged = report.verifications = 0
        report.no_history = 0
        return report
    savepoint.commit()
    _audit(session, user, report)
    report.written = True
    return report


def import_file(
    session: Session,
    user: Principal,
    path: Path,
    *,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    today: date,
    due_soon_days: int = 30,
    convention: Convention | None = None,
    file_name: str | None = None,
    progress: ProgressFn | None = None,
    every_error: ErrorSink | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Open a CSV, XLSX, XLS or ODS file and import it; the caller commits.

    `sheet`: a workbook's sheet by name or 1-based number (default: found by its header)."""

    def attempt(way: NumberWay) -> ImportReport:
        return import_instruments(
            session,
            user,
            open_table(path, sheet=sheet),
            mode=mode,
            today=today,
            due_soon_days=due_soon_days,
            file_name=file_name or path.name,
            way=way,
            progress=progress,
            every_error=every_error,
        )

    try:
        return attempt(NumberWay(given=convention))
    except Restart as restart:
        # English numbers showed up only after cells both conventions read had been read the
        # Vietnamese way: read the whole file again the English way (rare; nothing was kept).
        return attempt(NumberWay(first={Convention.EN: restart.first}))


def check_file(
    session: Session,
    user: Principal,
    path: Path,
    *,
    every_error: ErrorSink,
    today: date,
    due_soon_days: int = 30,
    convention: Convention | None = None,
    file_name: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Check a list as an all-or-nothing import would, write every error, and keep nothing.

    Everything the check touched is undone (a savepoint rolled back), even for a list with no
    error; the report says `written: false`.
    """
    check = session.begin_nested()
    try:
        report = import_file(
            session,
            user,
            path,
            mode=ImportMode.ALL_OR_NOTHING,
            today=today,
            due_soon_days=due_soon_days,
            convention=convention,
            file_name=file_name,
            every_error=every_error,
            sheet=sheet,
        )
    finally:
        check.rollback()
    report.written = False
    return report
