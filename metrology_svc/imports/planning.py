"""Check one chunk of rows against the registry and plan its writes (nothing is written here)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from metrology_svc.auth.principal import Principal
from metrology_svc.imports import notices
from metrology_svc.imports.cells import norm
from metrology_svc.imports.numbers import Parse
from metrology_svc.imports.readers import RawRow, Table
from metrology_svc.imports.repository import UPDATABLE, ImportRepository
from metrology_svc.imports.rules import OwnerIn, ParsedRow, RowError, SiteIn, parse_row
from metrology_svc.imports.rules import type_lookup as build_type_lookup
from metrology_svc.imports.schemas import ImportReport, RowErrorPublic
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError
from metrology_svc.units.service import UnitResolver, UnknownUnit

OwnerRef = int | tuple[str, ...]  # an id, or the match key of an owner still to create
SiteRef = int | tuple[int, str]


UnitRef = tuple[int, str]  # unit id, path


@dataclass
class Lookups:
    """Everything a row is resolved against, loaded once into dicts."""

    types: dict[str, str]
    units: dict[str, UnitRef]  # codes of the scheme in force
    owners: dict[tuple[str, ...], int]
    sites: dict[tuple[int, str], int]
    rulebook: Rulebook
    today: date
    # Old codes and addresses, each distinct text read once per import (with its warning).
    resolver: UnitResolver | None = None

    @classmethod
    def load(cls, repo: ImportRepository, rulebook: Rulebook, today: date) -> "Lookups":
        """Load the lookups from the database."""
        types = build_type_lookup(repo.types())
        resolver = UnitResolver(repo.session)
        units = repo.units(resolver.current)
        return cls(types, units, repo.owners(), repo.sites(), rulebook, today, resolver)

    def unit_for(self, parsed: ParsedRow, label: str) -> UnitRef | RowError:
        """Return the unit a row names (a warning added to the row if it was read), or why not."""
        text = parsed.site.unit_code or parsed.site.address or ""
        found = self.units.get(text)
        if found is not None or self.resolver is None:
            return found or RowError(parsed.row, label, *_UNKNOWN, text)
        try:
            resolved = self.resolver.resolve(text)
        except UnknownUnit as exc:
            return RowError(parsed.row, label, exc.message_vi, exc.message, text[:100])
        unit = resolved.unit
        assert unit.id is not None
        if resolved.warning_vi:
            vi, en = resolved.warning_vi, resolved.warning_en or resolved.warning_vi
            parsed.warnings.append(RowError(parsed.row, label, vi, en, text[:100]))
        return unit.id, unit.path


@dataclass
class Plan:
    """The running report, and the current chunk's work found before any of it is written."""

    report: ImportReport
    creates: list[tuple[ParsedRow, OwnerRef, SiteRef]] = field(default_factory=list)
    updates: list[tuple[ParsedRow, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    verify: list[tuple[ParsedRow, int]] = field(default_factory=list)  # known instruments
    # Rows that list a due date, with the registry's due date if this import records nothing.
    listed: list[tuple[ParsedRow, date | None]] = field(default_factory=list)
    new_owners: dict[tuple[str, ...], OwnerIn] = field(default_factory=dict)
    new_sites: dict[tuple[int, str], SiteIn] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # identity key -> first row, whole file
    undated: list[int] = field(default_factory=list)  # rows: a due date, none in the registry

    def clear(self) -> None:
        """Forget the current chunk's work once it is written."""
        self.creates, self.updates, self.verify, self.listed = [], [], [], []
        self.new_owners, self.new_sites = {}, {}


_UNKNOWN = ("Không có đơn vị hành chính mã này", "Unknown administrative unit code")


def _unit_label(parsed: ParsedRow, table: Table) -> str:
    """Return the header of the column the row's unit was read from."""
    return table.header.label("unit_code" if parsed.site.unit_code else "site_address")


def public(errors: list[RowError]) -> list[RowErrorPublic]:
    """Return row errors or warnings in their API shape."""
    return [
        RowErrorPublic(
            row=e.row, column=e.column, reason_vi=e.reason_vi, reason_en=e.reason_en, value=e.value
        )
        for e in errors
    ]


def _reject(plan: Plan, errors: list[RowError]) -> None:
    plan.report.reject(public(errors))


def _site_ref(
    parsed: ParsedRow, table: Table, lk: Lookups, plan: Plan, unit: UnitRef
) -> tuple[SiteRef, list[RowError]]:
    key = (unit[0], norm(parsed.site.name))
    label = table.header.label
    found = lk.sites.get(key)
    if found is None and parsed.site.kind is None and key not in plan.new_sites:
        vi, en = "Cần loại địa điểm để tạo địa điểm mới", "Site kind needed to create a new site"
        return key, [RowError(parsed.row, label("site_kind"), vi, en)]
    return (found if found is not None else key), []


def _check_scope(
    parsed: ParsedRow,
    user: Principal,
    unit: UnitRef | None,
    stored: dict[str, Any] | None,
    table: Table,
) -> list[RowError]:
    out_vi, out_en = "Ngoài địa bàn được phân công", "Outside your jurisdiction"
    errors = []
    if unit is not None and not user.covers(unit[1]):
        errors.append(RowError(parsed.row, _unit_label(parsed, table), out_vi, out_en))
    if stored is not None and not user.covers(stored["path"]):
        vi = f"{out_vi}: phương tiện đo đã đăng ký ở nơi khác"
        en = f"{out_en}: the instrument is registered elsewhere"
        errors.append(RowError(parsed.row, table.header.label("serial"), vi, en))
    return errors


def _needs_record(parsed: ParsedRow, stored: dict[str, Any] | None, dates: set[date]) -> bool:
    """Tell whether the row's verification date is news to the registry."""
    day = parsed.verified_on
    if day is None or stored is None:
        return day is not None
    # Already on record (any kind), or the date the registry holds: re-importing adds nothing.
    return day != stored["last_verified_on"] and day not in dates


def _check_date(parsed: ParsedRow, lk: Lookups, table: Table, needed: bool) -> list[RowError]:
    day, label = parsed.verified_on, table.header.label("last_verified_on")
    if day is None:
        return []
    if day > lk.today:
        return [notices.in_future(parsed.row, label, day)]
    if needed:
        try:
            lk.rulebook.cycle(type_code=parsed.fields["type_code"], on=day)
        except NoRuleError as exc:
            return [notices.no_cycle(parsed.row, label, day, exc)]
    return []


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
    parsed: ParsedRow, stored: dict[str, Any] | None, dates: set[date], *, ctx: "ChunkContext"
) -> None:
    plan, table = ctx.plan, ctx.table
    needed = _needs_record(parsed, stored, dates)
    found = ctx.lk.unit_for(parsed, _unit_label(parsed, table))
    unit = None if isinstance(found, RowError) else found
    errors = [found] if isinstance(found, RowError) else []
    errors += _check_scope(parsed, ctx.user, unit, stored, table)
    errors += _check_date(parsed, ctx.lk, table, needed)
    first = plan.seen.setdefault(parsed.identity_key, parsed.row)
    if first != parsed.row:
        vi, en = f"Trùng phương tiện đo ở dòng {first}", f"Same instrument as row {first}"
        errors.append(RowError(parsed.row, table.header.label("serial"), vi, en))
    if unit is None:
        _reject(plan, errors)
        return
    site, site_errors = _site_ref(parsed, table, ctx.lk, plan, unit)
    errors += site_errors
    if errors:
        _reject(plan, errors)
        return
    plan.report.warn(public(parsed.warnings))
    owner: OwnerRef = ctx.lk.owners.get(parsed.owner.key(), parsed.owner.key())
    if isinstance(owner, tuple):
        plan.new_owners.setdefault(owner, parsed.owner)
    if isinstance(site, tuple):
        plan.new_sites.setdefault(site, parsed.site)
    if parsed.listed_due is not None:
        plan.listed.append((parsed, stored["due_date"] if stored else None))
    if stored is None:
        plan.creates.append((parsed, owner, site))
        return
    changes = _changes(parsed, stored, owner, site)
    if changes:
        plan.updates.append((parsed, stored, changes))
    if needed:
        plan.verify.append((parsed, stored["id"]))
    if not (changes or needed):
        plan.report.unchanged += 1


@dataclass(frozen=True)
class ChunkContext:
    """What checking a chunk needs besides its rows."""

    repo: ImportRepository
    user: Principal
    lk: Lookups
    plan: Plan
    table: Table


def check_chunk(ctx: ChunkContext, batch: list[RawRow], parsers: dict[str, Parse]) -> None:
    """Parse and check a chunk of rows; plan the writes of the valid ones."""
    parsed: list[ParsedRow] = []
    for raw in batch:
        result = parse_row(
            raw.values, row=raw.row, header=ctx.table.header, types=ctx.lk.types, parsers=parsers
        )
        if isinstance(result, list):
            _reject(ctx.plan, result)
        else:
            parsed.append(result)
    stored = ctx.repo.instruments([p.identity_key for p in parsed])
    dates = ctx.repo.verification_dates([s["id"] for s in stored.values()])
    for p in parsed:
        found = stored.get(p.identity_key)
        on_record = dates.get(found["id"], set()) if found else set()
        _plan_row(p, found, on_record, ctx=ctx)
