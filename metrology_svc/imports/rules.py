"""Pure parsing of imported rows, chunk by chunk: text cells in, parsed rows or errors out."""

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from metrology_svc.core.quantities import Convention
from metrology_svc.imports import accepted
from metrology_svc.imports.cells import Bad, Cell, as_text, norm
from metrology_svc.imports.columns import HeaderMap
from metrology_svc.imports.numbers import NumberWay, parsers_for, row_parsers
from metrology_svc.imports.readers import RawRow
from metrology_svc.imports.type_names import TypeNames, match_type, unknown_type
from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.rules import DESCRIPTION_FIELDS, identity_key
from metrology_svc.owners.matching import loose_name, normalise_phone


def _as_call(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a slotted dataclass as a call of its class with its fields in order: the CSV
    parsing process sends 100,000s of rows, and they load in about half the time of the state
    that a slotted dataclass pickles by default (imports.parse_worker)."""
    return type(self), tuple([getattr(self, name) for name in self.__slots__])


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was rejected: its row number in the file, the column and the reason."""

    row: int
    column: str
    reason_vi: str
    reason_en: str
    value: str = ""
    # What the cell would have to hold instead (empty: not said), in both languages.
    accepted_vi: str = ""
    accepted_en: str = ""

    __reduce__ = _as_call


@dataclass(frozen=True, slots=True)
class OwnerIn:
    """The owner a row names."""

    name: str
    trade_name: str | None = None
    tax_code: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None
    kind: str | None = None
    national_id: str | None = None  # digits only (imports.cells.parse_national_id)

    __reduce__ = _as_call

    def key(self) -> tuple[str, ...]:
        """Return how the owner is matched: by tax code, else by national ID (a person's, its
        digits), else by phone (normalised) and name (accents aside); ("name", …) alone
        matches no stored owner (see imports.planning)."""
        if self.tax_code:
            return ("tax", self.tax_code)
        if self.national_id:
            return ("nid", self.national_id)
        phone = normalise_phone(self.phone)
        if phone:
            return ("phone", phone, loose_name(self.name))
        return ("name", loose_name(self.name))


@dataclass(frozen=True, slots=True)
class SiteIn:
    """The site a row names, inside the unit a code (or else its address) names."""

    unit_code: str  # as written: a code, an old code, an address, or "" (then the address)
    name: str
    kind: str | None = None
    address: str | None = None

    __reduce__ = _as_call

    def key(self) -> tuple[str, str]:
        """Return how the site is matched: unit code and name."""
        return (self.unit_code, norm(self.name))


@dataclass(slots=True)
class ParsedRow:
    """A valid row: the instrument fields given (empty cells left out), owner and site."""

    row: int
    identity_key: str
    loose_key: str  # instruments.identity.loose_identity: near-duplicates share it
    fields: dict[str, Any]
    owner: OwnerIn
    site: SiteIn
    verified_on: date | None = None  # becomes an imported verification record
    listed_due: date | None = None  # never set: compared with the registry's, for a warning
    result: str | None = None  # "pass" or "fail": the last verification's result, if listed
    warnings: list[RowError] = field(default_factory=list)

    __reduce__ = _as_call


# The instrument fields a row may set besides its identity: description and role. Never the
# due date, the last verification date or the status: only a verification moves those.
INSTRUMENT_FIELDS = [*DESCRIPTION_FIELDS, "role"]
# Columns read only to be compared: a bad cell there is a warning, not a rejection.
NOT_USED = frozenset({"due_date"})
NOT_USED_VI, NOT_USED_EN = "cột này không được dùng", "this column is not used"


def type_lookup(types: Iterable[tuple[str, str, str]]) -> TypeNames:
    """Map each type's code, names and everyday names (data/types/CODE.csv) to its code."""
    return TypeNames.of(types)


Parsers = Mapping[str, Callable[[Cell], Any]]


def _cells(
    values: Mapping[str, Cell],
    row: int,
    header: HeaderMap,
    parsers: Parsers,
    found: tuple[list[RowError], list[RowError]],
) -> dict[str, Any]:
    errors, warnings = found
    out: dict[str, Any] = {}
    for key, cell in values.items():
        raw = cell.strip() if isinstance(cell, str) else cell
        parse = parsers.get(key)
        if raw == "" or parse is None:
            continue
        try:
            out[key] = parse(raw)
        except Bad as bad:
            text = as_text(raw)[:100]
            if key in NOT_USED:
                vi, en = f"{bad.vi}; {NOT_USED_VI}", f"{bad.en}; {NOT_USED_EN}"
                warnings.append(RowError(row, header.label(key), vi, en, text))
            else:
                ok = accepted.for_column(key)
                errors.append(RowError(row, header.label(key), bad.vi, bad.en, text, *ok))
    return out


def _missing(key: str, row: int, header: HeaderMap) -> RowError:
    return RowError(
        row,
        header.label(key),
        "Thiếu giá trị bắt buộc",
        "Required value missing",
        "",
        *accepted.for_column(key),
    )


def parse_row(
    values: Mapping[str, Cell],
    *,
    row: int,
    header: HeaderMap,
    types: Mapping[str, str],
    parsers: Parsers,
) -> ParsedRow | list[RowError]:
    """Check one row's cells; return the parsed row, or every error found in it."""
    errors: list[RowError] = []
    warnings: list[RowError] = []
    cells = _cells(values, row, header, row_parsers(parsers, values, header), (errors, warnings))
    type_text = as_text(values.get("type", ""))
    type_code = match_type(types, type_text) if type_text else None
    if type_text and type_code is None:
        vi, en, accepted_vi, accepted_en = unknown_type(types, type_text)
        label = header.label("type")
        errors.append(RowError(row, label, vi, en, type_text[:100], accepted_vi, accepted_en))
    for key in ("type", "serial", "manufacturer", "owner_name", "site_name"):
        if not as_text(values.get(key, "")):
            errors.append(_missing(key, row, header))
    # The unit: its code, an old code, or else the site's address (read as a unit).
    if not (as_text(values.get("unit_code", "")) or as_text(values.get("site_address", ""))):
        errors.append(_missing("unit_code", row, header))
    if errors or type_code is None:
        return errors
    parsed = _build(cells, row=row, type_code=type_code)
    parsed.warnings = warnings
    return parsed


def _build(cells: dict[str, Any], *, row: int, type_code: str) -> ParsedRow:
    # Enumerated cells already hold the stored values (see cells.py), e.g. "trade", "market".
    fields = {k: cells[k] for k in INSTRUMENT_FIELDS if k in cells}
    fields |= {"type_code": type_code, "serial": cells["serial"]}
    fields["manufacturer"] = cells["manufacturer"]
    owner = OwnerIn(
        name=cells["owner_name"],
        trade_name=cells.get("owner_trade_name"),
        tax_code=cells.get("owner_tax_code"),
        phone=cells.get("owner_phone"),
        email=cells.get("owner_email"),
        language=cells.get("owner_language"),
        kind=cells.get("owner_kind"),
        national_id=cells.get("owner_national_id"),
    )
    site = SiteIn(
        unit_code=cells.get("unit_code", ""),
        name=cells["site_name"],
        kind=cells.get("site_kind"),
        address=cells.get("site_address"),
    )
    key = identity_key(
        type_code=type_code, manufacturer=cells["manufacturer"], serial=cells["serial"]
    )
    return ParsedRow(
        row=row,
        identity_key=key,
        loose_key=loose_identity(type_code, cells["manufacturer"], cells["serial"]),
        fields=fields,
        owner=owner,
        site=site,
        verified_on=cells.get("last_verified_on"),
        listed_due=cells.get("due_date"),
        result=cells.get("last_result"),
    )


Parsed = ParsedRow | list[RowError]  # a row's parse: the row, or every error found in it
T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of up to `size` items."""
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def parsed_chunks(
    rows: Iterable[RawRow],
    header: HeaderMap,
    way: NumberWay,
    types: Mapping[str, str],
    size: int,
    *,
    skip: int = 0,
) -> Iterator[tuple[int, list[Parsed]]]:
    """Yield (row count, parsed rows) for each chunk of `size` rows. The number convention is
    decided on the rows seen so far, before a chunk is parsed (way.see may raise Restart); the
    first `skip` chunks are only seen, not parsed or yielded (another reader parsed them)."""
    parsers = {c: parsers_for(header, c) for c in Convention}
    for index, batch in enumerate(chunked(rows, size)):
        way.see([(r.row, r.values) for r in batch], header)
        if index >= skip:
            yield len(batch), parse_chunk(batch, header, types, parsers[way.convention])


def parse_chunk(
    batch: list[RawRow], header: HeaderMap, types: Mapping[str, str], parsers: Parsers
) -> list[Parsed]:
    """Parse a chunk's rows (no database: an import parses ahead, in a thread or a process)."""
    return [
        parse_row(raw.values, row=raw.row, header=header, types=types, parsers=parsers)
        for raw in batch
    ]
