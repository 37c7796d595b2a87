"""Reading number cells in their column's unit, and which way a file writes its numbers.

Text cells are read by core.quantities under one convention (Vietnamese unless the import says
English or the file shows it); a value that writes its own unit wins over the header's unit.
Number cells of a workbook are exact already: they are only checked (finite, in range) and
converted from the header's unit, never turned into text and parsed again.
"""

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from metrology_svc.core import quantity_texts as say
from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import (
    MAX_DECIMALS,
    MAX_INTEGER_DIGITS,
    MAX_SIGNIFICANT,
    Convention,
    Quantity,
    QuantityError,
    Unit,
    convention_of,
    parse_number,
    parse_quantity,
    to_unit,
)
from metrology_svc.imports.cells import TEXT_PARSERS, Bad, Cell
from metrology_svc.imports.columns import COLUMNS, HeaderMap

Parse = Callable[[Cell], Any]
# The unit each quantity column is stored in (Max, e, d in g; Qmin, Qmax in L/min; MMQ in L).
QUANTITIES: dict[str, Unit] = {c.key: c.unit for c in COLUMNS if c.unit is not None}
WHOLE = {"manufactured_year": (1900, 2100), "nozzles": (1, 16)}
NUMERIC_KEYS = (*QUANTITIES, *WHOLE)
Source = Literal["option", "file", "default"]


def _bad(exc: QuantityError) -> Bad:
    return Bad(exc.vi, exc.en)


def exact(value: int | float) -> Decimal:
    """Return a number cell's value as Excel keeps it (15 significant digits), within limits."""
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(say.not_finite(str(value)))
    number = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    if number.copy_abs() >= Decimal(10) ** MAX_INTEGER_DIGITS:
        raise _bad(say.too_large(str(value), MAX_INTEGER_DIGITS))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise _bad(say.too_many_digits(str(value), MAX_SIGNIFICANT, MAX_DECIMALS))
    return number


def _plain(text: str) -> bool:
    # Plain ASCII digits read the same in every convention and unit: skip the grammar.
    return text.isascii() and text.isdigit() and len(text) <= MAX_INTEGER_DIGITS


# Units offices write in words, read as the symbol ("30 ký" is 30 kg). Only the certain ones:
# "lạng", "yến", "tạ" had other values before the metric ones and are refused as unknown units.
_WORD_UNITS = re.compile(r"(?P<number>.*?[0-9])\s*(?P<word>ký|kí|ki lô|kilô|kilo|kg\.)", re.I)
# Words that write a number ("ba mươi", "hai trăm", "thirty"): refused, with the digits asked for.
_NUMBER_WORDS = (
    "không một mốt hai ba bốn tư năm lăm sáu bảy bẩy tám chín mười mươi trăm nghìn ngàn vạn "
    "triệu linh lẻ rưỡi nửa zero one two three four five six seven eight nine ten eleven "
    "twelve fifteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand half"
)
NUMBER_WORDS = frozenset(_NUMBER_WORDS.split())


def unit_words(text: str) -> str:
    """Return a cell with a unit written in words as its symbol ("30 ký" -> "30 kg")."""
    found = _WORD_UNITS.fullmatch(unicodedata.normalize("NFC", text).strip())
    return f"{found['number']} kg" if found else text


def in_words(text: str) -> bool:
    """Tell whether a cell writes its number in words ("ba mươi", "ba mươi kg", "thirty")."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text).casefold())
    return any(w in NUMBER_WORDS for w in words)


def _in_words(text: str, stored: Unit) -> Bad:
    return Bad(
        f"“{text}” là số viết bằng chữ, không đọc được: hãy viết bằng chữ số (ví dụ 30 kg, 500 g)",
        f"“{text}” is not a number in digits: numbers written in words are not read; "
        f"write it in digits (e.g. 30 kg, 500 g; stored in {stored.symbol})",
    )


def _read(cell: Cell, written: Unit | None, convention: Convention, stored: Unit) -> Quantity:
    if not isinstance(cell, str):
        return Quantity(exact(cell), written)
    if _plain(cell):
        return Quantity(Decimal(cell), written)
    try:
        return parse_quantity(unit_words(cell), convention=convention, unit=written)
    except QuantityError as exc:
        if in_words(cell):
            raise _in_words(cell.strip(), stored) from None
        raise _bad(exc) from None


@dataclass(frozen=True)
class QuantityParser:
    """A parser of a quantity cell: the value in `stored`, > 0 (`written`: the header's unit)."""

    stored: Unit
    written: Unit | None
    convention: Convention

    def __call__(self, cell: Cell) -> float:
        """Return the cell's value in the stored unit, or raise Bad."""
        stored = self.stored
        found = _read(cell, self.written, self.convention, stored)
        if found.unit is None:
            raise Bad(
                f"Tiêu đề cột không ghi đơn vị: hãy ghi đơn vị trong ô (ví dụ 15 kg), "
                f"trong tiêu đề (ví dụ Max ({stored.symbol})) hoặc trong cột ĐVT",
                f"The column header names no unit: write the unit in the cell (e.g. 15 kg), "
                f"in the header (e.g. Max ({stored.symbol})) or in a unit column (ĐVT)",
            )
        try:
            value = to_unit(found, stored) if found.unit != stored else found.value
        except QuantityError as exc:
            raise _bad(exc) from None
        if value <= 0:
            raise Bad("Phải lớn hơn 0", "Must be greater than 0")
        return float(value)


def quantity(*, stored: Unit, written: Unit | None, convention: Convention) -> Parse:
    """Return a parser of a quantity cell: the value in `stored`, > 0 (`written`: the header's)."""
    return QuantityParser(stored, written, convention)


def row_unit(cell: Cell) -> Unit | None:
    """Return the unit a unit-column cell (ĐVT) names: "kg", "ký", "lít"; None for "chiếc"."""
    if not isinstance(cell, str) or not cell.strip():
        return None
    return _unit_named(cell.strip())


@lru_cache(maxsize=256)
def _unit_named(text: str) -> Unit | None:
    try:
        return parse_quantity(unit_words(f"1 {text}")).unit
    except QuantityError:
        return None


# (parsers, unit) -> the parsers of a row in that unit: built once per file and unit, not per row.
_IN_UNIT: dict[tuple[int, Unit], tuple[Mapping[str, Parse], Mapping[str, Parse]]] = {}


def row_parsers(
    parsers: Mapping[str, Parse], values: Mapping[str, Cell], header: HeaderMap
) -> Mapping[str, Parse]:
    """Return the parsers of one row: a unit column (ĐVT) gives bare quantity columns their unit.

    Only columns whose header names no unit take it, and only a unit of their kind (a "kg" row
    unit says nothing of a Qmax column in L/min)."""
    if "row_unit" not in header.positions:
        return parsers
    unit = row_unit(values.get("row_unit", ""))
    if unit is None:
        return parsers
    cached = _IN_UNIT.get((id(parsers), unit))
    if cached is not None and cached[0] is parsers:
        return cached[1]
    out = dict(parsers)
    for key in QUANTITIES:
        parse = parsers.get(key)
        bare = key in header.positions and header.units.get(key) is None
        if bare and isinstance(parse, QuantityParser) and parse.stored.kind == unit.kind:
            out[key] = QuantityParser(parse.stored, unit, parse.convention)
    if len(_IN_UNIT) > 64:
        _IN_UNIT.clear()
    _IN_UNIT[id(parsers), unit] = (parsers, out)
    return out


def whole(low: int, high: int, *, convention: Convention) -> Parse:
    """Return a parser of a whole number between low and high (no unit)."""

    def parse(cell: Cell) -> int:
        try:
            if isinstance(cell, str):
                value = Decimal(cell) if _plain(cell) else parse_number(cell, convention=convention)
            else:
                value = exact(cell)
        except QuantityError as exc:
            raise _bad(exc) from None
        if value != value.to_integral_value() or not low <= value <= high:
            raise Bad(f"Phải là số nguyên {low}–{high}", f"Must be a whole number {low}–{high}")
        return int(value)

    return parse


def parsers_for(header: HeaderMap, convention: Convention) -> dict[str, Parse]:
    """Return the parser of every column for a file with this header, read in this convention."""
    table = dict(TEXT_PARSERS)
    for key, stored in QUANTITIES.items():
        written = header.units.get(key, stored)
        table[key] = quantity(stored=stored, written=written, convention=convention)
    for key, (low, high) in WHOLE.items():
        table[key] = whole(low, high, convention=convention)
    return table


class Restart(Exception):
    """The file writes numbers the English way, found after cells were read the Vietnamese way."""

    def __init__(self, first: tuple[int, str, str]) -> None:
        super().__init__("restart in the English convention")
        self.first = first


def only_way(text: str) -> Convention | None:
    """Return the one convention that reads a text, or None (both, or neither, read it)."""
    if convention_of([text], default=Convention.EN) is Convention.VI:
        return Convention.VI
    if convention_of([text], default=Convention.VI) is Convention.EN:
        return Convention.EN
    return None


@dataclass
class NumberWay:
    """The convention a file's numbers are read in: given, or shown by the file as it is read."""

    given: Convention | None = None
    # convention -> the first cell only it reads: (row, column header, text)
    first: dict[Convention, tuple[int, str, str]] = field(default_factory=dict)
    read_undecided: bool = False  # a cell both read differently was read before any decided

    @property
    def convention(self) -> Convention:
        """Return the convention to read the next rows in."""
        if self.given is not None:
            return self.given
        return Convention.EN if Convention.EN in self.first else Convention.VI

    @property
    def source(self) -> Source:
        """Return where the convention came from: the import's option, the file, the default."""
        return "option" if self.given is not None else "file" if self.first else "default"

    def see(self, rows: Sequence[tuple[int, Mapping[str, Cell]]], header: HeaderMap) -> None:
        """Note how the rows write numbers, before they are read; refuse a file that mixes."""
        if self.given is not None:
            return
        undecided, either = not self.first, False
        for row, values in rows:
            for key, text in _marked(values):
                way = only_way(text)
                if way is None:
                    either = True
                elif way not in self.first:
                    self.first[way] = (row, header.label(key), text.strip())
        if len(self.first) == 2:
            raise mixed(self.first)
        if undecided and Convention.EN in self.first and self.read_undecided:
            raise Restart(self.first[Convention.EN])
        self.read_undecided |= either and not self.first


def _marked(values: Mapping[str, Cell]) -> list[tuple[str, str]]:
    """Return the numeric text cells that hold a "." or a "," (only these can tell a way)."""
    out = []
    for key in NUMERIC_KEYS:
        cell = values.get(key)
        if isinstance(cell, str) and ("," in cell or "." in cell):
            out.append((key, cell))
    return out


def mixed(first: Mapping[Convention, tuple[int, str, str]]) -> Invalid:
    """Refuse a whole file that writes numbers both ways, naming a cell of each."""
    (vi_row, vi_col, vi_text), (en_row, en_col, en_text) = (first[c] for c in Convention)
    said = say.mixed(vi_text, en_text)
    return Invalid(
        f"{said.en} (row {vi_row}, {vi_col}; row {en_row}, {en_col}). Nothing was imported: "
        "write every number one way, or choose the convention (vi or en) for the import.",
        message_vi=f"{said.vi} (dòng {vi_row}, cột {vi_col}; dòng {en_row}, cột {en_col}). "
        "Không nhập dòng nào: hãy viết mọi số theo một kiểu, hoặc chọn kiểu số (vi hoặc en) "
        "khi nhập.",
        loc=["file"],
    )
