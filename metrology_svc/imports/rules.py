"""Pure parsing of one imported row: text cells in, a parsed row or the row's errors out."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from metrology_svc.imports.cells import PARSERS, Bad, norm
from metrology_svc.imports.columns import HeaderMap
from metrology_svc.instruments.rules import DESCRIPTION_FIELDS, identity_key


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was rejected: its row number in the file, the column and the reason."""

    row: int
    column: str
    reason_vi: str
    reason_en: str
    value: str = ""


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

    def key(self) -> tuple[str, ...]:
        """Return how the owner is matched: by tax code, else by name and phone."""
        if self.tax_code:
            return ("tax", self.tax_code)
        return ("np", norm(self.name), self.phone or "")


@dataclass(frozen=True, slots=True)
class SiteIn:
    """The site a row names, inside the unit with this official code."""

    unit_code: str
    name: str
    kind: str | None = None
    address: str | None = None

    def key(self) -> tuple[str, str]:
        """Return how the site is matched: unit code and name."""
        return (self.unit_code, norm(self.name))


@dataclass(slots=True)
class ParsedRow:
    """A valid row: the instrument fields given (empty cells left out), owner and site."""

    row: int
    identity_key: str
    fields: dict[str, Any]
    owner: OwnerIn
    site: SiteIn


# The instrument fields a row may give besides its identity: description, role and dates.
INSTRUMENT_FIELDS = [*DESCRIPTION_FIELDS, "role", "last_verified_on", "due_date"]


def type_lookup(types: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Map each type's code, Vietnamese and English name (normalised) to its code."""
    table: dict[str, str] = {}
    for code, name_vi, name_en in types:
        for name in (code, name_vi, name_en):
            table[norm(name)] = code
    return table


def _cells(
    values: Mapping[str, str], row: int, header: HeaderMap, errors: list[RowError]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, cell in values.items():
        raw = cell.strip()
        parse = PARSERS.get(key)
        if not raw or parse is None:
            continue
        try:
            out[key] = parse(raw)
        except Bad as bad:
            errors.append(RowError(row, header.label(key), bad.vi, bad.en, raw[:100]))
    return out


def _missing(key: str, row: int, header: HeaderMap) -> RowError:
    return RowError(row, header.label(key), "Thiếu giá trị bắt buộc", "Required value missing")


def parse_row(
    values: Mapping[str, str], *, row: int, header: HeaderMap, types: Mapping[str, str]
) -> ParsedRow | list[RowError]:
    """Check one row's cells; return the parsed row, or every error found in it."""
    errors: list[RowError] = []
    cells = _cells(values, row, header, errors)
    type_text = (values.get("type") or "").strip()
    type_code = types.get(norm(type_text)) if type_text else None
    if type_text and type_code is None:
        errors.append(
            RowError(row, header.label("type"), "Không có loại phương tiện đo này", "Unknown type")
        )
    for key in ("type", "serial", "manufacturer", "owner_name", "site_name", "unit_code"):
        if not (values.get(key) or "").strip():
            errors.append(_missing(key, row, header))
    due, last = cells.get("due_date"), cells.get("last_verified_on")
    if due is not None and last is not None and last > due:
        errors.append(
            RowError(
                row,
                header.label("last_verified_on"),
                "Ngày kiểm định sau hạn kiểm định",
                "Last verification is after the due date",
                last.isoformat(),
            )
        )
    if errors or type_code is None:
        return errors
    return _build(cells, row=row, type_code=type_code)


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
    )
    site = SiteIn(
        unit_code=cells["unit_code"],
        name=cells["site_name"],
        kind=cells.get("site_kind"),
        address=cells.get("site_address"),
    )
    key = identity_key(
        type_code=type_code, manufacturer=cells["manufacturer"], serial=cells["serial"]
    )
    return ParsedRow(row=row, identity_key=key, fields=fields, owner=owner, site=site)
