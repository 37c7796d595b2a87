"""Reading number cells in their column's unit, and which way a file writes its numbers.

Text cells are read by core.quantities under one convention (Vietnamese unless the import says
English or the file shows it); a value that writes its own unit wins over the header's unit.
Number cells of a workbook are exact already: they are only checked (finite, in range) and
converted from the header's unit, never turned into text and parsed again.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
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


def _read(cell: Cell, written: Unit | None, convention: Convention) -> Quantity:
    if not isinstance(cell, str):
        return Quantity(exact(cell), written)
    if _plain(cell):
        return Quantity(Decimal(cell), written)
    try:
        return parse_quantity(cell, convention=convention, unit=written)
    except QuantityError as exc:
        raise _bad(exc) from None


def quantity(*, stored: Unit, written: Unit | None, convention: Convention) -> Parse:
    """Return a parser of a quantity cell: the value in `stored`, > 0 (`written`: the header's)."""

    def parse(cell: Cell) -> float:
        found = _read(cell, written, convention)
        if found.unit is None:
            raise Bad(
                f"Tiêu đề cột không ghi đơn vị: hãy ghi đơn vị trong ô (ví dụ 15 kg) "
                f"hoặc trong tiêu đề (ví dụ Max ({stored.symbol}))",
                f"The column header names no unit: write the unit in the cell (e.g. 15 kg) "
                f"or in the header (e.g. Max ({stored.symbol}))",
            )
        try:
            value = to_unit(found, stored) if found.unit != stored else found.value
        except QuantityError as exc:
            raise _bad(exc) from None
        if value <= 0:
            raise Bad("Phải lớn hơn 0", "Must be greater than 0")
        return float(value)

    return parse


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
