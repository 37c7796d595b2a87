"""The one table of import/export columns: key, Vietnamese header, English header, aliases.

Headers match case-, accent-form- and whitespace-insensitively ("Số sản xuất", "SỐ  SẢN XUẤT",
"serial" and "Serial" are one column); an underscore counts as a space, so each key is a header too.
A quantity column may name its unit in the header ("Max (kg)", "Qmin (L/min)"): a bare number in
it is in that unit. Under a bare stem ("Max") every cell must write its unit.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import L_PER_MIN, G, L, QuantityError, Unit, parse_quantity


@dataclass(frozen=True)
class Column:
    """One column of an instrument list."""

    key: str
    vi: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    unit: Unit | None = None  # quantities: the unit the value is stored in
    stems: tuple[str, ...] = ()  # quantities: header names that "(unit)" may follow


COLUMNS: tuple[Column, ...] = (
    Column(
        "type", "Loại phương tiện đo", "Type", ("loại", "loại pt đo", "type code", "mã loại"), True
    ),
    Column("serial", "Số sản xuất", "Serial", ("số serial", "serial number", "số máy"), True),
    Column("manufacturer", "Nơi sản xuất", "Manufacturer", ("hãng sản xuất", "hãng"), True),
    Column("model", "Kiểu", "Model", ("ký hiệu", "kiểu máy")),
    Column("type_approval_no", "Số phê duyệt mẫu", "Type approval no", ("type approval",)),
    Column("accuracy_class", "Cấp chính xác", "Accuracy class", ("ccx", "class")),
    Column("manufactured_year", "Năm sản xuất", "Year", ("manufactured year",)),
    Column("max_g", "Max (g)", "Max (g)", unit=G, stems=("max", "mức cân lớn nhất")),
    Column("e_g", "e (g)", "e (g)", unit=G, stems=("e",)),
    Column("d_g", "d (g)", "d (g)", unit=G, stems=("d",)),
    Column("qmin_lpm", "Qmin (L/phút)", "Qmin (L/min)", unit=L_PER_MIN, stems=("qmin",)),
    Column("qmax_lpm", "Qmax (L/phút)", "Qmax (L/min)", unit=L_PER_MIN, stems=("qmax",)),
    Column("nozzles", "Số vòi", "Nozzles", ()),
    Column(
        "mmq_l",
        "Lượng đo nhỏ nhất (L)",
        "Minimum measured quantity (L)",
        unit=L,
        stems=("lượng đo nhỏ nhất", "minimum measured quantity", "mmq"),
    ),
    Column("seal_number", "Số kẹp chì", "Seal number", ("số niêm phong",)),
    Column("role", "Vai trò", "Role", ("mục đích sử dụng",)),
    Column("owner_name", "Chủ sở hữu", "Owner", ("tên chủ sở hữu", "owner name"), True),
    Column("owner_trade_name", "Tên thương mại", "Trade name", ("tên cơ sở",)),
    Column("owner_tax_code", "Mã số thuế", "Tax code", ("mst",)),
    Column("owner_phone", "Điện thoại", "Phone", ("số điện thoại", "sđt")),
    Column("owner_email", "Thư điện tử", "E-mail", ("email",)),
    Column("owner_language", "Ngôn ngữ", "Language", ()),
    Column("owner_kind", "Loại chủ sở hữu", "Owner kind", ()),
    Column("site_name", "Địa điểm", "Site", ("tên địa điểm", "site name", "nơi sử dụng"), True),
    Column("site_kind", "Loại địa điểm", "Site kind", ()),
    # Required unless the list has an address column (then the address names the unit).
    Column("unit_code", "Mã đơn vị hành chính", "Unit code", ("mã đvhc",)),
    Column("site_address", "Địa chỉ", "Address", ("site address", "địa chỉ địa điểm")),
    Column("last_verified_on", "Ngày kiểm định", "Last verification date", ("last verified",)),
    Column("due_date", "Hạn kiểm định", "Due date", ("hiệu lực đến", "valid until")),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def normalize_header(text: str) -> str:
    """Return a header in the form headers are compared in: NFC, casefolded, single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "").replace("_", " "))
    return " ".join(text.split()).casefold()


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for col in COLUMNS:
        for name in (col.key, col.vi, col.en, *col.aliases):
            table[normalize_header(name)] = col.key
    return table


_LOOKUP = _lookup()
_STEMS = {normalize_header(stem): c.key for c in COLUMNS for stem in c.stems}
_WITH_UNIT = re.compile(r"(?P<stem>.+?) ?[(\[] ?(?P<unit>[^()\[\]]+?) ?[)\]]")


def _stem(text: str) -> tuple[str, str | None] | None:
    """Return the key and the unit text of a header like "Max (kg)" or "Max" (None: no stem)."""
    found = _WITH_UNIT.fullmatch(text)
    stem, unit = (found["stem"], found["unit"]) if found else (text, None)
    key = _STEMS.get(stem)
    # A bare one-letter stem ("e", "d") is too likely to mean something else.
    if key is None or (unit is None and len(stem) < 2):
        return None
    return key, unit


def _key_of(text: str) -> str | None:
    name = normalize_header(text)
    key = _LOOKUP.get(name)
    if key is not None:
        return key
    stem = _stem(name)
    return None if stem is None else stem[0]


def _unit_of(text: str, key: str) -> Unit | None:
    """Return the unit a quantity header states, the stored unit for the table's own names."""
    name = normalize_header(text)
    column = BY_KEY[key]
    stem = None if name in _LOOKUP else _stem(name)
    if stem is None or stem[1] is None:
        return column.unit if stem is None else None
    assert column.unit is not None  # only quantity columns have stems
    try:
        unit = parse_quantity(f"1 {stem[1]}").unit
    except QuantityError as exc:
        unit, why_vi, why_en = None, exc.vi, exc.en
    else:
        why_vi = f"đơn vị phải đo {column.unit.symbol}"
        why_en = f"the unit must measure what {column.unit.symbol} measures"
    if unit is None or unit.kind != column.unit.kind:
        raise Invalid(
            f"Column {text!r}: {why_en}.",
            message_vi=f"Cột {text!r}: {why_vi}.",
            loc=["file", "header", text],
        )
    return unit


@dataclass(frozen=True)
class HeaderMap:
    """Which file column holds which key, and how the file names it."""

    positions: dict[str, int]  # key -> 0-based column index
    labels: dict[str, str]  # key -> header text as written in the file
    ignored: tuple[str, ...]  # headers that match no column
    # quantity key -> the unit its header states (None: each cell must write its unit)
    units: dict[str, Unit | None] = field(default_factory=dict)

    def label(self, key: str) -> str:
        """Return the header the user sees for a key (the Vietnamese one if the file lacks it)."""
        return self.labels.get(key) or BY_KEY[key].vi


def known_count(cells: Sequence[object]) -> int:
    """Count cells that are known headers (to find the header row below a title)."""
    return sum(1 for c in cells if isinstance(c, str) and _key_of(c) is not None)


def match_headers(cells: Sequence[object]) -> HeaderMap:
    """Map a header row to column keys; raise Invalid for duplicates or missing required columns."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        key = _key_of(text)
        if key is None:
            ignored.append(text)
        elif key in positions:
            raise Invalid(
                f"Column {text!r} appears twice (as {labels[key]!r}).",
                message_vi=f"Cột {text!r} bị lặp (trùng với {labels[key]!r}).",
                loc=["file", "header", text],
            )
        else:
            positions[key], labels[key] = index, text
    _require(positions)
    units = {k: _unit_of(labels[k], k) for k in positions if BY_KEY[k].unit is not None}
    return HeaderMap(positions=positions, labels=labels, ignored=tuple(ignored), units=units)


def _require(positions: dict[str, int]) -> None:
    missing = [k for k in REQUIRED if k not in positions]
    if "unit_code" not in positions and "site_address" not in positions:
        missing.append("unit_code")
    if missing:
        names = ", ".join(f"{BY_KEY[k].vi} / {BY_KEY[k].en}" for k in missing)
        raise Invalid(
            f"Required columns are missing: {names}.",
            message_vi=f"Thiếu cột bắt buộc: {names}.",
            loc=["file", "header"],
            details=[{"loc": ["file", "header", BY_KEY[k].vi], "msg": "missing"} for k in missing],
        )


def headers(lang: str) -> list[str]:
    """Return every header in table order, in Vietnamese ("vi") or English ("en")."""
    return [c.vi if lang == "vi" else c.en for c in COLUMNS]
