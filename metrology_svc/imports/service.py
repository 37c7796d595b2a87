"""Import an instrument list: check every row first, then write in bulk; the caller commits."""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.imports.cells import norm
from metrology_svc.imports.readers import ProgressFn, RawRow, Table, open_table
from metrology_svc.imports.repository import UPDATABLE, ImportRepository
from metrology_svc.imports.rules import OwnerIn, ParsedRow, RowError, SiteIn, parse_row
from metrology_svc.imports.rules import type_lookup as build_type_lookup
from metrology_svc.imports.schemas import ImportMode, ImportReport, RowErrorPublic
from metrology_svc.imports.writer import Writer

CHUNK = 2000
T = TypeVar("T")
OwnerRef = int | tuple[str, ...]  # an id, or the match key of an owner still to create
SiteRef = int | tuple[int, str]


@dataclass
class Lookups:
    """Everything a row is resolved against, loaded once into dicts."""

    types: dict[str, str]
    units: dict[str, tuple[int, str]]
    owners: dict[tuple[str, ...], int]
    sites: dict[tuple[int, str], int]

    @classmethod
    def load(cls, repo: ImportRepository) -> "Lookups":
        """Load the lookups from the database."""
        return cls(build_type_lookup(repo.types()), repo.units(), repo.owners(), repo.sites())


@dataclass
class Plan:
    """The running report, and the current chunk's work found before any of it is written."""

    report: ImportReport
    creates: list[tuple[ParsedRow, OwnerRef, SiteRef]] = field(default_factory=list)
    updates: list[tuple[ParsedRow, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    new_owners: dict[tuple[str, ...], OwnerIn] = field(default_factory=dict)
    new_sites: dict[tuple[int, str], SiteIn] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # identity key -> first row, whole file

    def clear(self) -> None:
        """Forget the current chunk's work once it is written."""
        self.creates, self.updates = [], []
        self.new_owners, self.new_sites = {}, {}


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of up to `size` items."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _reject(plan: Plan, errors: list[RowError]) -> None:
    plan.report.rejected += 1
    plan.report.errors.extend(
        RowErrorPublic(
            row=e.row, column=e.column, reason_vi=e.reason_vi, reason_en=e.reason_en, value=e.value
        )
        for e in errors
    )


def _site_ref(
    parsed: ParsedRow, table: Table, lk: Lookups, plan: Plan, errors: list[RowError]
) -> SiteRef | None:
    unit = lk.units.get(parsed.site.unit_code)
    label = table.header.label
    if unit is None:
        vi, en = "Không có đơn vị hành chính mã này", "Unknown administrative unit code"
        errors.append(RowError(parsed.row, label("unit_code"), vi, en, parsed.site.unit_code))
        return None
    key = (unit[0], norm(parsed.site.name))
    found = lk.sites.get(key)
    if found is None and parsed.site.kind is None and key not in plan.new_sites:
        vi, en = "Cần loại địa điểm để tạo địa điểm mới", "Site kind needed to create a new site"
        errors.append(RowError(parsed.row, label("site_kind"), vi, en))
    return found if found is not None else key


def _check_scope(
    parsed: ParsedRow, user: Principal, lk: Lookups, stored: dict[str, Any] | None, table: Table
) -> list[RowError]:
    out_vi, out_en = "Ngoài địa bàn được phân công", "Outside your jurisdiction"
    errors = []
    unit = lk.units.get(parsed.site.unit_code)
    if unit is not None and not user.covers(unit[1]):
        errors.append(RowError(parsed.row, table.header.label("unit_code"), out_vi, out_en))
    if stored is not None and not user.covers(stored["path"]):
        vi = f"{out_vi}: phương tiện đo đã đăng ký ở nơi khác"
        en = f"{out_en}: the instrument is registered elsewhere"
        errors.append(RowError(parsed.row, table.header.label("serial"), vi, en))
    return errors


def _changes(
    parsed: ParsedRow, stored: dict[str, Any], owner: OwnerRef, site: SiteRef
) -> dict[str, Any]:
    # An empty cell leaves the stored value alone: an import never erases.
    changes = {k: v for k, v in parsed.fields.items() if k in UPDATABLE and stored[k] != v}
    if owner != stored["owner_id"]:
        changes["owner_id"] = owner
    if site != stored["site_id"]:
        changes["site_id"] = site
    return changes


def _plan_row(
    parsed: ParsedRow,
    *,
    user: Principal,
    lk: Lookups,
    stored: dict[str, Any] | None,
    plan: Plan,
    table: Table,
) -> None:
    errors = _check_scope(parsed, user, lk, stored, table)
    first = plan.seen.setdefault(parsed.identity_key, parsed.row)
    if first != parsed.row:
        vi, en = f"Trùng phương tiện đo ở dòng {first}", f"Same instrument as row {first}"
        errors.append(RowError(parsed.row, table.header.label("serial"), vi, en))
    site = _site_ref(parsed, table, lk, plan, errors)
    if errors or site is None:
        _reject(plan, errors)
        return
    owner_key = parsed.owner.key()
    owner: OwnerRef = lk.owners.get(owner_key, owner_key)
    if isinstance(owner, tuple):
        plan.new_owners.setdefault(owner, parsed.owner)
    if isinstance(site, tuple):
        plan.new_sites.setdefault(site, parsed.site)
    if stored is None:
        plan.creates.append((parsed, owner, site))
        return
    changes = _changes(parsed, stored, owner, site)
    if changes:
        plan.updates.append((parsed, stored, changes))
    else:
        plan.report.unchanged += 1


def _check_chunk(
    repo: ImportRepository,
    user: Principal,
    lk: Lookups,
    plan: Plan,
    table: Table,
    batch: list[RawRow],
) -> None:
    parsed: list[ParsedRow] = []
    for raw in batch:
        result = parse_row(raw.values, row=raw.row, header=table.header, types=lk.types)
        if isinstance(result, list):
            _reject(plan, result)
        else:
            parsed.append(result)
    stored = repo.instruments([p.identity_key for p in parsed])
    for p in parsed:
        found = stored.get(p.identity_key)
        _plan_row(p, user=user, lk=lk, stored=found, plan=plan, table=table)


def _write_chunk(plan: Plan, writer: Writer, lk: Lookups) -> None:
    owner_ids, site_ids = writer.places(plan.new_owners, plan.new_sites)
    # Later chunks find this chunk's new owners and sites like any stored one.
    lk.owners.update(owner_ids)
    lk.sites.update(site_ids)
    writer.creates(plan.creates)
    writer.updates(plan.updates)
    plan.report.created += len(plan.creates)
    plan.report.updated += len(plan.updates)
    plan.clear()


def import_instruments(
    session: Session,
    user: Principal,
    rows: Table,
    *,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    today: date,
    due_soon_days: int = 30,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import the rows of a list: create, update or leave each instrument; the caller commits."""
    user.require_write()
    # Chunks are written as they are checked (so reading, checking and writing overlap);
    # all-or-nothing undoes them through this savepoint if any row is rejected. Opened before
    # the lookups are read: on SQLite it makes the import the writer (BEGIN IMMEDIATE), so no
    # owner or site created meanwhile is missed and created twice.
    savepoint = session.begin_nested()
    repo = ImportRepository(session)
    lk = Lookups.load(repo)
    writer = Writer(repo, user, today=today, due_soon_days=due_soon_days)
    plan = Plan(report=ImportReport(mode=mode, ignored_columns=list(rows.header.ignored)))
    strict = mode is ImportMode.ALL_OR_NOTHING
    for batch in chunked(rows.rows, CHUNK):
        _check_chunk(repo, user, lk, plan, rows, batch)
        if strict and plan.report.rejected:
            # Keep checking, for a complete report, but write no more. New owners and sites
            # stay listed so later rows that name them are judged as if they had been written.
            plan.creates, plan.updates = [], []
        else:
            _write_chunk(plan, writer, lk)
        plan.report.rows += len(batch)
        if progress:
            progress("rows", plan.report.rows, rows.total)
    report = plan.report
    if strict and report.rejected:
        savepoint.rollback()
        report.created = report.updated = report.unchanged = 0
        return report
    savepoint.commit()
    # One summary record per import, not one per row (each row has its "imported" event).
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
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Open a CSV or XLSX file and import it; the caller commits."""
    return import_instruments(
        session,
        user,
        open_table(path),
        mode=mode,
        today=today,
        due_soon_days=due_soon_days,
        progress=progress,
    )
