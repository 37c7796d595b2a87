"""The one table of import/export columns: key, Vietnamese header, English header, aliases.

Headers match case-, accent-form- and whitespace-insensitively ("Số sản xuất", "SỐ  SẢN XUẤT",
"serial" and "Serial" are one column); an underscore counts as a space, so each key is a header too.
The names offices write ("Tên chủ hộ", "Loại PTĐ", "Tên chợ", "Số SX") come from a table in data
(data/header_synonyms.csv, data/quantity_stems.csv); abbreviations are expanded word by word
(data/abbreviations.csv: "PTĐ" is "phương tiện đo", "KĐ" "kiểm định"), and a header typed without
accents ("Ten cho ho") matches when its unaccented form names one column only.
A quantity column may name its unit in the header ("Max (kg)", "Qmin (L/min)"): a bare number in
it is in that unit. Under a bare stem ("Max") every cell must write its unit, unless the list has
a unit column ("ĐVT") whose cell names it for the row.
"""

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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
    # The result of the last verification where the list gives one (imports.history).
    Column(
        "last_result",
        "Kết quả",
        "Result",
        ("kết quả kiểm định", "verification result", "last result", "kq", "kết quả kđ"),
    ),
)
# Not exported: the unit the row's bare quantity cells are in ("ĐVT": kg, g, lít ...).
ROW_UNIT = Column("row_unit", "Đơn vị tính", "Unit of measure", ("đvt", "unit"))
# Not exported: the owner's national ID (CCCD, or the old CMND). It is personal data and an
# exported list travels (e-mail, USB sticks); an import matches owners by it (imports.rules).
OWNER_NATIONAL_ID = Column(
    "owner_national_id", "Số CCCD/CMND", "National ID", ("số cccd", "cccd", "cmnd")
)
IMPORT_ONLY = (ROW_UNIT, OWNER_NATIONAL_ID)
BY_KEY = {c.key: c for c in (*COLUMNS, *IMPORT_ONLY)}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)
DATA = Path(__file__).parent / "data"


def data_rows(path: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of a data CSV, skipping its "#" comment lines."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        yield from csv.DictReader(lines)


def normalize_header(text: str) -> str:
    """Return a header in the form headers are compared in: NFC, casefolded, single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", "").replace("_", " "))
    return " ".join(text.split()).casefold()


def fold(text: str) -> str:
    """Return normalised text without accents ("Tên chủ hộ" -> "ten chu ho"; đ -> d)."""
    bare = unicodedata.normalize("NFD", normalize_header(text).replace("đ", "d"))
    return unicodedata.normalize("NFC", "".join(c for c in bare if not unicodedata.combining(c)))


def _abbreviations() -> tuple[dict[str, str], dict[str, str]]:
    exact = {
        normalize_header(r["abbr"]): r["expansion"] for r in data_rows(DATA / "abbreviations.csv")
    }
    # Unaccented ("PTD", "KD"): only where no abbreviation is written that way already.
    folded: dict[str, str] = {}
    for abbr, expansion in exact.items():
        folded.setdefault(fold(abbr), expansion)
    return exact, {k: v for k, v in folded.items() if k not in exact}


_ABBR, _ABBR_FOLDED = _abbreviations()


def expand(name: str) -> str:
    """Return a normalised header with its abbreviations written out ("số sx" -> "số sản xuất")."""
    words = name.replace("(", " ( ").replace(")", " ) ").split()
    out = [_ABBR.get(w) or _ABBR_FOLDED.get(fold(w)) or w for w in words]
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def names_of(key: str) -> tuple[str, ...]:
    """Return every name a column is accepted under (its headers first), without repeats."""
    column = BY_KEY[key]
    extra = [r["name"] for r in _SYNONYMS if r["key"] == key]
    extra += [r["stem"] for r in _STEM_ROWS if r["key"] == key]
    seen: dict[str, str] = {}
    for name in (column.vi, column.en, *column.aliases, *extra):
        seen.setdefault(normalize_header(name), name)
    return tuple(seen.values())


NOT_IMPORTED = "-"  # the synonym table's key of headers known and not imported ("STT")
_SYNONYMS = list(data_rows(DATA / "header_synonyms.csv"))
_STEM_ROWS = list(data_rows(DATA / "quantity_stems.csv"))


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for col in (*COLUMNS, *IMPORT_ONLY):
        for name in (col.key, col.vi, col.en, *col.aliases):
            table[normalize_header(name)] = col.key
    for row in _SYNONYMS:
        if row["key"] != NOT_IMPORTED:
            table.setdefault(normalize_header(row["name"]), row["key"])
    return table


def _unique_folds(table: dict[str, str]) -> dict[str, str]:
    """Return the table keyed by unaccented names, leaving out a form two columns share."""
    folded: dict[str, set[str]] = {}
    for name, key in table.items():
        folded.setdefault(fold(name), set()).add(key)
    return {name: next(iter(keys)) for name, keys in folded.items() if len(keys) == 1}


_LOOKUP = _lookup()
_STEMS = {normalize_header(stem): c.key for c in COLUMNS for stem in c.stems}
for _row in _STEM_ROWS:
    _STEMS.setdefault(normalize_header(_row["stem"]), _row["key"])
_FOLDED, _FOLDED_STEMS = _unique_folds(_LOOKUP), _unique_folds(_STEMS)
_WITH_UNIT = re.compile(r"(?P<stem>.+?) ?[(\[] ?(?P<unit>[^()\[\]]+?) ?[)\]]")
_TRAILING = re.compile(r"[\s:*.]+$")  # "Số máy:", "Ngày KĐ*"


def _stem(text: str, *, folded: bool = False) -> tuple[str, str | None] | None:
    """Return the key and the unit text of a header like "Max (kg)" or "Max" (None: no stem)."""
    found = _WITH_UNIT.fullmatch(text)
    stem, unit = (found["stem"], found["unit"]) if found else (text, None)
    key = _FOLDED_STEMS.get(fold(stem)) if folded else _STEMS.get(stem)
    # A bare one-letter stem ("e", "d") is too likely to mean something else.
    if key is None or (unit is None and len(stem) < 2):
        return None
    return key, unit


@lru_cache(maxsize=4096)  # header rows and the rows scanned for one
def _resolve(text: str) -> tuple[str, str | None, bool] | None:
    """Return (key, unit text, by stem) for a header, or None: exact, expanded, then unaccented."""
    name = normalize_header(text)
    for form in dict.fromkeys((name, _TRAILING.sub("", name))):
        for written in dict.fromkeys((form, expand(form))):
            if written in _LOOKUP:
                return _LOOKUP[written], None, False
            stem = _stem(written)
            if stem is not None:
                return stem[0], stem[1], True
            if fold(written) in _FOLDED:
                return _FOLDED[fold(written)], None, False
            stem = _stem(written, folded=True)
            if stem is not None:
                return stem[0], stem[1], True
    return None


def _key_of(text: str) -> str | None:
    found = _resolve(text)
    return None if found is None else found[0]


def closest(text: str) -> str | None:
    """Return the key of the known column whose name is closest to an unknown header."""
    names = {**_FOLDED, **_FOLDED_STEMS}
    written = fold(expand(normalize_header(text)))
    found = difflib.get_close_matches(written, list(names), n=1, cutoff=0.6)
    return names[found[0]] if found else None


_QUIET = {
    fold(_TRAILING.sub("", normalize_header(r["name"])))
    for r in _SYNONYMS
    if r["key"] == NOT_IMPORTED
}


def unknown_header(text: str) -> tuple[str, str] | None:
    """Say (vi, en) that a header matches no column, naming the closest known column.

    None for a header every list has and no import reads (the row number "STT", "Ghi chú")."""
    if fold(_TRAILING.sub("", normalize_header(text))) in _QUIET:
        return None
    key = closest(text)
    if key is None:
        return (
            f"Cột {text!r} không nhận ra; không có cột nào gần giống; cột này không được dùng",
            f"Column {text!r} is not recognised; no known column is close; it is not used",
        )
    column = BY_KEY[key]
    return (
        f"Cột {text!r} không nhận ra; gần nhất: {column.vi!r}; cột này không được dùng",
        f"Column {text!r} is not recognised; closest: {column.en!r} ({column.vi}); it is not used",
    )


def _unit_of(text: str, key: str) -> Unit | None:
    """Return the unit a quantity header states, the stored unit for the table's own names."""
    column = BY_KEY[key]
    found = _resolve(text)
    assert found is not None
    assert found[0] == key
    if not found[2] or found[1] is None:
        return column.unit if not found[2] else None
    assert column.unit is not None  # only quantity columns have stems
    try:
        unit = parse_quantity(f"1 {found[1]}").unit
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
        vi = "; ".join(f"{BY_KEY[k].vi}: {', '.join(_accepted(k))}" for k in missing)
        en = "; ".join(f"{BY_KEY[k].en}: {', '.join(_accepted(k))}" for k in missing)
        raise Invalid(
            f"Required columns are missing: {names}. Accepted headers — {en}.",
            message_vi=f"Thiếu cột bắt buộc: {names}. Tên cột được nhận — {vi}.",
            loc=["file", "header"],
            details=[
                {
                    "loc": ["file", "header", BY_KEY[k].vi],
                    "msg": "missing",
                    "accepted": _accepted(k),
                }
                for k in missing
            ],
        )


def _accepted(key: str) -> list[str]:
    names = list(names_of(key))
    if key == "unit_code":  # an address column names the unit too
        names += [n for n in names_of("site_address") if n not in names]
    return names


def headers(lang: str) -> list[str]:
    """Return every header in table order, in Vietnamese ("vi") or English ("en")."""
    return [c.vi if lang == "vi" else c.en for c in COLUMNS]
