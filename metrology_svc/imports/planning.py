"""Check one chunk of rows against the registry and plan its writes (nothing is written here)."""

from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

from metrology_svc.auth.principal import Principal
from metrology_svc.imports import accepted, history
from metrology_svc.imports.cells import norm
from metrology_svc.imports.readers import Table
from metrology_svc.imports.repository import UPDATABLE, ImportRepository, OwnerIndex
from metrology_svc.imports.rules import OwnerIn, Parsed, ParsedRow, RowError, SiteIn
from metrology_svc.imports.rules import type_lookup as build_type_lookup
from metrology_svc.imports.schemas import ImportReport, PossibleDuplicate, RowErrorPublic
from metrology_svc.imports.type_names import TypeNames
from metrology_svc.owners.matching import loose_name, names_differ, nfc_line, normalise_phone
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.rulebook.rules import NoRuleError
from metrology_svc.units.service import UnitResolver, UnknownUnit

OwnerRef = int | tuple[str, ...]  # an id, or the match key of an owner still to create
SiteRef = int | tuple[int, str]


UnitRef = tuple[int, str]  # unit id, path


@dataclass
class Lookups:
    """Everything a row is resolved against, loaded once into dicts."""

    types: TypeNames
    units: dict[str, UnitRef]  # codes of the scheme in force
    owners: dict[tuple[str, ...], int]
    sites: dict[tuple[int, str], int]
    rulebook: Rulebook
    today: date
    # Old codes and addresses, each distinct text read once per import (with its warning).
    resolver: UnitResolver | None = None
    # Who shares a name or a phone (possible duplicates), and the newest instrument stored
    # before the import: those up to it are matched by loose key (instruments.identity).
    people: OwnerIndex = field(default_factory=OwnerIndex)
    instruments_upto: int = 0
    # Owners holding a national ID -> their name as stored (the ID tells them from others).
    holders: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, repo: ImportRepository, rulebook: Rulebook, today: date) -> "Lookups":
        """Load the lookups from the database."""
        types = build_type_lookup(repo.types())
        resolver = UnitResolver(repo.session)
        units = repo.units(resolver.current)
        owners, people = repo.owners()
        found = cls(types, units, owners, repo.sites(), rulebook, today, resolver, people)
        found.instruments_upto = repo.last_instrument_id()
        found.holders = repo.national_id_holders()
        return found

    def owners_written(self, plan: "Plan", ids: dict[tuple[str, ...], int]) -> None:
        """Learn a chunk's new owners; list each one that shares a name or phone with another
        (stored, or new in this list) as a possible duplicate for a clerk to merge."""
        self.owners.update(ids)
        for key, owner in plan.new_owners.items():
            name, phone, new_id = loose_name(owner.name), normalise_phone(owner.phone), ids[key]
            alike = self.people.alike(name, phone)
            if owner.national_id:  # one with another national ID is another person
                self.owners.setdefault(("nid", owner.national_id), new_id)
                alike = [i for i in alike if i not in self.holders]
                self.holders[new_id] = owner.name
            if alike and key[0] != "tax":  # a company is told apart by its tax code
                row = plan.owner_rows.get(key, 0)
                plan.report.possible_duplicate(
                    PossibleDuplicate(
                        row=row, owner_id=new_id, name=owner.name, existing_owner_ids=alike
                    )
                )
            self.people.add(new_id, name, phone)

    def unit_for(self, parsed: ParsedRow, label: str) -> UnitRef | RowError:
        """Return the unit a row names (a warning added to the row if it was read), or why not."""
        text = parsed.site.unit_code or parsed.site.address or ""
        found = self.units.get(text)
        if found is not None or self.resolver is None:
            return found or RowError(parsed.row, label, *_UNKNOWN, text, *accepted.UNIT)
        try:
            resolved = self.resolver.resolve(text)
        except UnknownUnit as exc:
            why = (exc.message_vi, exc.message, text[:100], *accepted.UNIT)
            return RowError(parsed.row, label, *why)
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
    seen: dict[str, int] = field(default_factory=dict)  # loose identity -> first row, whole file
    # First row -> its identity key, maker and serial as written.
    seen_as: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    owner_rows: dict[tuple[str, ...], int] = field(default_factory=dict)  # new owner -> row
    loose: dict[int, str] = field(default_factory=dict)  # chunk's rows -> loose identity
    undated: list[int] = field(default_factory=list)  # rows: a due date, none in the registry
    no_history: list[int] = field(default_factory=list)  # the first rows without a date
    new_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)  # national ID -> new owner

    def clear(self) -> None:
        """Forget the current chunk's work once it is written."""
        self.creates, self.updates, self.verify, self.listed = [], [], [], []
        self.new_owners, self.new_sites, self.owner_rows, self.loose = {}, {}, {}, {}
        self.new_ids = {}


_UNKNOWN = ("Không có đơn vị hành chính mã này", "Unknown administrative unit code")


def _unit_label(parsed: ParsedRow, table: Table) -> str:
    """Return the header of the column the row's unit was read from."""
    return table.header.label("unit_code" if parsed.site.unit_code else "site_address")


def public(errors: list[RowError]) -> list[RowErrorPublic]:
    """Return row errors or warnings in their API shape."""
    return [
        RowErrorPublic(
            row=e.row,
            column=e.column,
            reason_vi=e.reason_vi,
            reason_en=e.reason_en,
            value=e.value,
            accepted_vi=e.accepted_vi,
            accepted_en=e.accepted_en,
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
        ok_vi, ok_en = accepted.for_column("site_kind")
        ok_vi = f"{ok_vi}, hoặc tên một địa điểm đã có trong đơn vị này"
        ok_en = f"{ok_en}, or the name of a site already in this unit"
        name = parsed.site.name[:100]
        return key, [RowError(parsed.row, label("site_kind"), vi, en, name, ok_vi, ok_en)]
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
    ok = ("một đơn vị trong địa bàn được phân công cho bạn", "a unit inside your jurisdiction")
    if unit is not None and not user.covers(unit[1]):
        text = (parsed.site.unit_code or parsed.site.address or "")[:100]
        errors.append(RowError(parsed.row, _unit_label(parsed, table), out_vi, out_en, text, *ok))
    if stored is not None and not user.covers(stored["path"]):
        vi = f"{out_vi}: phương tiện đo đã đăng ký ở nơi khác"
        en = f"{out_en}: the instrument is registered elsewhere"
        ok = (
            "phương tiện đo đăng ký trong địa bàn của bạn (việc chuyển nơi do cán bộ có thẩm "
            "quyền ở nơi đăng ký làm)",
            "an instrument registered inside your jurisdiction (a move is made by an officer "
            "where it is registered)",
        )
        serial = str(parsed.fields.get("serial", ""))[:100]
        errors.append(RowError(parsed.row, table.header.label("serial"), vi, en, serial, *ok))
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
    if day > lk.today or needed:
        type_code = parsed.fields["type_code"]
        try:
            if day > lk.today:
                first = history.first_cycle(lk.rulebook, type_code)
                return [history.in_future(parsed.row, label, day, first, lk.today)]
            lk.rulebook.cycle(type_code=type_code, on=day)
        except NoRuleError as exc:
            first = history.first_cycle(lk.rulebook, type_code)
            return [history.uncovered(parsed.row, label, day, exc, first, lk.today)]
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


def _same_instrument(parsed: ParsedRow, plan: Plan, table: Table) -> list[RowError]:
    """Reject a row naming an instrument an earlier row of the file named (however its maker
    and serial are written): one instrument, one row; the clerk keeps the right one."""
    maker, serial = parsed.fields["manufacturer"], parsed.fields["serial"]
    loose = plan.loose.pop(parsed.row, parsed.loose_key)
    first = plan.seen.setdefault(loose, parsed.row)
    if first == parsed.row:
        plan.seen_as[parsed.row] = (parsed.identity_key, maker, serial)
        return []
    vi, en = f"Trùng phương tiện đo ở dòng {first}", f"Same instrument as row {first}"
    key, *was = plan.seen_as.get(first, (parsed.identity_key, maker, serial))
    if key != parsed.identity_key:  # alike, not only by case and spacing: say how
        vi += (
            f" (ghi là {was[0]} / {was[1]}): cùng loại, hãng và số sản xuất khi bỏ qua chữ "
            "hoa, dấu, khoảng trắng, dấu câu và tên gọi khác của hãng; mỗi phương tiện một dòng"
        )
        en += (
            f" (written {was[0]} / {was[1]}): the same type, maker and serial once case, "
            "accents, spacing, punctuation and the maker's other names are set aside; one row "
            "per instrument"
        )
    ok = (
        f"mỗi phương tiện đo một dòng: bỏ dòng này hoặc sửa nó theo dòng {first}",
        f"one row per instrument: leave this row out or merge it into row {first}",
    )
    value = f"{maker} / {serial}"
    return [RowError(parsed.row, table.header.label("serial"), vi, en, value, *ok)]


def _stored_form(owner: OwnerIn) -> OwnerIn:
    """Return a new owner as it is stored: names in NFC on one line, the phone normalised."""
    trade = nfc_line(owner.trade_name) if owner.trade_name else owner.trade_name
    phone = normalise_phone(owner.phone)
    return replace(owner, name=nfc_line(owner.name), trade_name=trade, phone=phone)


def _id_holder(ref: OwnerRef, lk: Lookups, plan: Plan) -> str:
    """Return the name of the owner (stored, or new in this chunk) a national ID names."""
    if isinstance(ref, int):
        return lk.holders.get(ref, "")
    return plan.new_owners[ref].name


def _same_person(parsed: ParsedRow, ref: OwnerRef, lk: Lookups, plan: Plan, label: str) -> None:
    """Warn when a row matched by national ID names its owner quite unlike the ID's holder."""
    holder, name = _id_holder(ref, lk, plan), parsed.owner.name
    if not holder or not names_differ(holder, name):
        return
    who = f"chủ sở hữu {ref}" if isinstance(ref, int) else "chủ sở hữu mới"
    whom = f"owner {ref}" if isinstance(ref, int) else "a new owner"
    vi = (
        f"Số CCCD/CMND là của {who} ({holder}), dòng này ghi tên {name}: ghép theo số "
        "CCCD/CMND; hãy kiểm tra tên"
    )
    en = (
        f"The national ID is {whom}'s ({holder}); this row names {name}: matched by the ID; "
        "check the name"
    )
    plan.report.warn(public([RowError(parsed.row, label, vi, en, name[:100])]))


def _new_owner(
    parsed: ParsedRow, key: tuple[str, ...], lk: Lookups, plan: Plan, label: str
) -> None:
    """Plan a new owner; one whose national ID another owner holds (a second business of the
    same person, by its own tax code) is created without it, with a warning."""
    owner = _stored_form(parsed.owner)
    nid = owner.national_id
    holder = (lk.owners.get(("nid", nid)) or plan.new_ids.get(nid)) if nid else None
    if nid and holder is not None:
        owner = replace(owner, national_id=None)
        held = _id_holder(holder, lk, plan)
        vi = (
            f"Số CCCD/CMND đã thuộc chủ sở hữu khác ({held}): chủ sở hữu theo mã số thuế "
            f"{owner.tax_code} được tạo không kèm số này"
        )
        en = (
            f"The national ID belongs to another owner ({held}): the owner of tax code "
            f"{owner.tax_code} is created without it"
        )
        plan.report.warn(public([RowError(parsed.row, label, vi, en, owner.name[:100])]))
    elif nid:
        plan.new_ids[nid] = key
    plan.new_owners[key] = owner
    plan.owner_rows[key] = parsed.row


def _owner_ref(
    parsed: ParsedRow, stored: dict[str, Any] | None, lk: Lookups, plan: Plan, label: str
) -> OwnerRef:
    """Return the owner a row names: by tax code, else by national ID, else by phone and name;
    never by a name alone. A name-only row keeps its instrument's owner of that name;
    otherwise it gets a new owner of its own (imports.planning.Lookups.owners_written lists it
    as a possible duplicate). `label` is the national ID column's header (for warnings)."""
    key = parsed.owner.key()
    found: OwnerRef | None = lk.owners.get(key)
    if found is None and key[0] == "nid":
        found = plan.new_ids.get(key[1])  # a new owner of this chunk with the ID
    if found is not None:
        if key[0] == "nid":
            _same_person(parsed, found, lk, plan, label)
        return found
    if key[0] == "name":
        if stored is not None and lk.people.names.get(stored["owner_id"]) == key[1]:
            return int(stored["owner_id"])
        key = ("row", str(parsed.row))
    if key not in plan.new_owners:
        _new_owner(parsed, key, lk, plan, label)
    elif key[0] == "nid":
        _same_person(parsed, key, lk, plan, label)
    return key


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
    errors += _same_instrument(parsed, plan, table)
    if unit is None:
        _reject(plan, errors)
        return
    site, site_errors = _site_ref(parsed, table, ctx.lk, plan, unit)
    errors += site_errors
    if errors:
        _reject(plan, errors)
        return
    known, rows = stored is not None, plan.no_history
    parsed.warnings += history.without_date(parsed, table.header, plan.report, rows, known)
    if parsed.warnings:  # listed while the report has room, else counted
        plan.report.warn_each(len(parsed.warnings), partial(public, parsed.warnings))
    owner = _owner_ref(parsed, stored, ctx.lk, plan, table.header.label("owner_national_id"))
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


def check_chunk(ctx: ChunkContext, results: list[Parsed]) -> None:
    """Check a parsed chunk against the registry; plan the writes of the valid rows."""
    parsed: list[ParsedRow] = []
    for result in results:
        if isinstance(result, list):
            _reject(ctx.plan, result)
        else:
            parsed.append(result)
    for p in parsed:
        ctx.plan.loose[p.row] = p.loose_key
    # A stored instrument whose maker or serial is written differently is the same one.
    alike = ctx.repo.instrument_keys(list(ctx.plan.loose.values()), upto=ctx.lk.instruments_upto)
    for p in parsed:
        p.identity_key = alike.get(ctx.plan.loose[p.row], p.identity_key)
    stored = ctx.repo.instruments([p.identity_key for p in parsed])
    dates = ctx.repo.verification_dates([s["id"] for s in stored.values()])
    for p in parsed:
        found = stored.get(p.identity_key)
        on_record = dates.get(found["id"], set()) if found else set()
        _plan_row(p, found, on_record, ctx=ctx)
