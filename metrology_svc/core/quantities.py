"""Read numbers and quantities the way Vietnamese offices write them; refuse what is not certain.

Pure: no I/O, no FastAPI, no SQL. Every function returns an exact `Decimal` or raises
`QuantityError` (a `ValueError` carrying `.vi`, `.en` and, for an ambiguity, `.readings`).

Conventions. Vietnamese (VI, the default): "." groups thousands, "," is the decimal mark.
English (EN, only when the file or form says so): "," groups, "." is the decimal point.
In both, a space (also no-break, narrow no-break and thin space) may group thousands.

Grammar of the number (then optional spaces and a unit):

- a sign `+`, `-` or `−`, only first and directly before the number;
- an integer part: digits with no marks (leading zeros allowed), or groups: 1–3 digits not
  starting with 0, then groups of exactly 3 digits, all separated by the same kind of mark
  (all group marks or all spaces, never mixed);
- optionally the decimal mark and at least one digit (an integer part may then be omitted);
- at most 15 significant digits, 9 decimals and 12 integer digits (|value| < 10¹²): every
  accepted value survives a round trip through a 64-bit float, and the work is bounded
  (texts over 64 characters are refused before anything else).

Refused: empty text, NaN, inf, Infinity, ∞; exponent notation (`1e3`: no office types it, and a
spreadsheet that shows `1E+06` has lost digits); signs anywhere but first; unknown units;
anything else that is not the grammar. A text that only the *other* convention reads is refused
with that reading named (under VI, `1.5` and `1,234.5` are English; under EN, `1,5` is
Vietnamese): the clerk then writes it again the agreed way, so no file or form mixes the two.

Ambiguity. Exactly one shape is read differently by the two conventions: 1–3 digits (not
starting with 0), one mark, exactly 3 digits, e.g. `15.000` or `15,000`. It is either a
thousands group (T: 15000) or a number with three decimals (D3: 15). Which one a clerk means
depends on the field: three decimals are customary for kg, L and t (a scale or dispenser display
shows 15.000 kg, 20.000 L; forms print kg with grams as decimals), and for any value copied from
a display (`from_display=True`); elsewhere (g, mg, mL, L/min, plain numbers) three decimals are
rare and the shape is a thousands group. The shape is accepted only when the convention reads
it the way the field expects; otherwise it is refused with both readings:

    text        VI, kg field       VI, g field / none    EN, kg field      EN, g field / none
    15.000      refused (15|15000) 15000                 15                refused (15|15000)
    15,000      15                 refused (15|15000)    refused           15000
    1.500.000   1500000            1500000               refused (VI only) refused (VI only)

So under each convention and in each field every text has one reading or none.
`format_quantity` never writes the refused forms (it groups with no-break spaces and, where
needed, writes a fourth decimal zero), so parsing its output gives the same value back.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact
from enum import StrEnum

from metrology_svc.core import quantity_texts as say
from metrology_svc.core.quantity_texts import QuantityError as QuantityError

MAX_TEXT = 64
MAX_SIGNIFICANT = 15
MAX_DECIMALS = 9
MAX_INTEGER_DIGITS = 12


class Convention(StrEnum):
    """How a text writes its numbers: Vietnamese (the default) or English."""

    VI = "vi"
    EN = "en"

    @property
    def group(self) -> str:
        """Return the thousands mark."""
        return "." if self is Convention.VI else ","

    @property
    def decimal(self) -> str:
        """Return the decimal mark."""
        return "," if self is Convention.VI else "."

    @property
    def other(self) -> "Convention":
        """Return the other convention."""
        return Convention.EN if self is Convention.VI else Convention.VI


@dataclass(frozen=True)
class Unit:
    """A unit: its symbol, its kind (mass, volume, flow) and its power of ten to the base unit."""

    symbol: str
    kind: str
    exp: int


MG, G, KG, T = (
    Unit("mg", "mass", -3),
    Unit("g", "mass", 0),
    Unit("kg", "mass", 3),
    Unit("t", "mass", 6),
)
ML, L = Unit("mL", "volume", 0), Unit("L", "volume", 3)
L_PER_MIN = Unit("L/min", "flow", 0)
# Units whose values are customarily written with three decimals (grams, millilitres, kilograms).
DECIMAL_UNITS = frozenset({KG, L, T})
_UNITS = {
    **dict.fromkeys(("mg",), MG),
    **dict.fromkeys(("g", "gam", "gram"), G),
    **dict.fromkeys(("kg", "kilogram", "kilôgam"), KG),
    **dict.fromkeys(("t", "tấn"), T),
    **dict.fromkeys(("ml", "mililít", "mililit"), ML),
    **dict.fromkeys(("l", "ℓ", "lít", "lit", "litre", "liter"), L),
    **dict.fromkeys(
        ("l/min", "l/ph", "l/phút", "l/phut", "lít/phút", "lit/phut", "lpm"), L_PER_MIN
    ),
}


@dataclass(frozen=True)
class Quantity:
    """An exact value and its unit (None: a plain number)."""

    value: Decimal
    unit: Unit | None


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_SPLIT = re.compile(r"([+\-\u2212]?)([0-9., ]*)(.*)", re.DOTALL)
_NON_FINITE = re.compile(r"[+\-\u2212]?\s*(nan|inf|infinity|∞)", re.IGNORECASE)
_EXPONENT = re.compile(r"[+\-\u2212]?[0-9.,]*[0-9]\s*[eE]\s*[+\-\u2212]?[0-9]+.*", re.DOTALL)
_SHAPE = re.compile(r"[1-9][0-9]{0,2}[.,][0-9]{3}")


def _grammar(convention: Convention) -> re.Pattern[str]:
    g, d = re.escape(convention.group), re.escape(convention.decimal)
    groups = rf"[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+|[1-9][0-9]{{0,2}}(?: [0-9]{{3}})+"
    return re.compile(rf"(?P<int>[0-9]+|{groups})?(?:{d}(?P<frac>[0-9]+))?")


_GRAMMARS = {c: _grammar(c) for c in Convention}  # compiled once; patterns are not state


def _read(body: str, convention: Convention) -> Decimal | None:
    """Return the unsigned value of body under the convention, or None if it does not fit."""
    found = _GRAMMARS[convention].fullmatch(body)
    if found is None or not (found["int"] or found["frac"]):
        return None
    whole = re.sub(r"[^0-9]", "", found["int"] or "") or "0"
    return Decimal(f"{whole}.{found['frac']}" if found["frac"] else whole)


def _exponent(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    assert isinstance(exp, int)  # finite values only
    return exp


def _check_size(value: Decimal, text: str) -> None:
    significant = "".join(map(str, value.as_tuple().digits)).lstrip("0")
    decimals = max(-_exponent(value), 0)
    if len(significant) > MAX_SIGNIFICANT or decimals > MAX_DECIMALS:
        raise say.too_many_digits(text, MAX_SIGNIFICANT, MAX_DECIMALS)
    if value.copy_abs() >= Decimal(10) ** MAX_INTEGER_DIGITS:
        raise say.too_large(text, MAX_INTEGER_DIGITS)


def _unit_of(text: str) -> Unit:
    key = "".join(text.split()).casefold()
    try:
        return _UNITS[key]
    except KeyError:
        raise say.unknown_unit(text, sorted({u.symbol for u in _UNITS.values()})) from None


def _decide(
    body: str, *, convention: Convention, unit: Unit | None, from_display: bool, text: str
) -> Decimal:
    mine, theirs = _read(body, convention), _read(body, convention.other)
    if _SHAPE.fullmatch(body) and mine is not None and theirs is not None:
        decimals_expected = from_display or unit in DECIMAL_UNITS
        reads_decimals = convention.decimal in body
        if reads_decimals != decimals_expected:
            thousands, decimals = (theirs, mine) if reads_decimals else (mine, theirs)
            raise say.ambiguous(
                text,
                thousands=_suggest(thousands, unit, convention),
                decimals=_suggest(decimals.normalize(), unit, convention),
                mark=body[-4],
                readings=(mine, theirs),
            )
    if mine is not None:
        return mine
    if theirs is not None:
        raise say.other_convention(
            text,
            convention=convention.value,
            suggestion=_suggest(theirs, unit, convention),
            reading=theirs,
        )
    raise say.not_a_number(text, convention=convention.value)


def parse_quantity(
    text: str,
    *,
    convention: Convention = Convention.VI,
    unit: Unit | None = None,
    from_display: bool = False,
) -> Quantity:
    """Return the quantity a text writes; `unit` is assumed when the text names none."""
    if len(text) > MAX_TEXT:
        raise say.too_long(MAX_TEXT)
    shown = unicodedata.normalize("NFC", text).strip()
    if not shown:
        raise say.empty()
    if _NON_FINITE.fullmatch(shown):
        raise say.not_finite(shown)
    if _EXPONENT.fullmatch(shown):
        raise say.exponent(shown)
    found = _SPLIT.fullmatch(shown.translate(_SPACES))
    assert found is not None  # every group of the pattern may be empty
    sign, body, rest = found[1], found[2].rstrip(" "), found[3].strip()
    if not body or re.search(r"[0-9+\-\u2212]", rest):  # e.g. 5-, 1 2 kg, 15kg3
        raise say.not_a_number(shown, convention=convention.value)
    written = _unit_of(rest) if rest else unit
    value = _decide(
        body, convention=convention, unit=written, from_display=from_display, text=shown
    )
    _check_size(value, shown)
    return Quantity(-value if sign in ("-", "\u2212") else value, written)


def parse_number(
    text: str, *, convention: Convention = Convention.VI, from_display: bool = False
) -> Decimal:
    """Return the plain number a text writes (a unit is refused)."""
    quantity = parse_quantity(text, convention=convention, from_display=from_display)
    if quantity.unit is not None:
        raise say.unit_not_expected(text.strip())
    return quantity.value


def to_unit(quantity: Quantity, unit: Unit) -> Decimal:
    """Return the quantity's value in `unit`, exactly (same kind of unit only)."""
    if quantity.unit is None:
        raise say.unit_missing(unit.symbol)
    if quantity.unit.kind != unit.kind:
        raise say.wrong_kind(quantity.unit.symbol, unit.symbol)
    if not quantity.value.is_finite():
        raise say.not_finite(str(quantity.value))
    try:  # a power of ten: exact for every parsed value; a trap, not a rounding, for the rest
        exact = Context(prec=MAX_SIGNIFICANT + 20, traps=[Inexact])
        value = quantity.value.scaleb(quantity.unit.exp - unit.exp, context=exact)
        # 15 kg is 15000 g, not 1.5E+4 g: whole results keep no positive exponent.
        return value.quantize(Decimal(1), context=exact) if _exponent(value) > 0 else value
    except Inexact:
        raise say.too_many_digits(str(quantity.value), MAX_SIGNIFICANT, MAX_DECIMALS) from None


def parse_as(
    text: str,
    *,
    unit: Unit,
    convention: Convention = Convention.VI,
    from_display: bool = False,
) -> Decimal:
    """Return a text's value in `unit` (the assumed unit; a written unit of its kind converts)."""
    quantity = parse_quantity(text, convention=convention, unit=unit, from_display=from_display)
    return to_unit(quantity, unit)


def _suggest(value: Decimal, unit: Unit | None, convention: Convention) -> str:
    return format_quantity(value, unit, convention=convention)


def format_quantity(value: Decimal, unit: Unit | None, *, convention: Convention) -> str:
    """Return value (and unit) written so that parse_quantity reads the same value back."""
    if not value.is_finite():
        raise say.not_finite(str(value))
    whole, _, frac = format(value.copy_abs(), "f").partition(".")
    if len(whole) > 4:  # SI: a four-digit number is not grouped
        head = len(whole) % 3 or 3
        whole = "\u00a0".join(
            [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
        )
    number = f"{whole}{convention.decimal}{frac}" if frac else whole
    if _SHAPE.fullmatch(number) and unit not in DECIMAL_UNITS:
        number += "0"  # 1,234 would read as a thousands group here: 1,2340 cannot
    sign = "-" if value.is_signed() else ""
    return f"{sign}{number} {unit.symbol}" if unit else f"{sign}{number}"


def convention_of(values: list[str], *, default: Convention = Convention.VI) -> Convention:
    """Return the convention a set of texts (a file, a column) shows; refuse a mix of both."""
    only: dict[Convention, str] = {}
    for text in values:
        body = _SPLIT.fullmatch(
            unicodedata.normalize("NFC", text[:MAX_TEXT]).strip().translate(_SPACES)
        )
        number = body[2].rstrip(" ") if body else ""
        vi, en = (_read(number, c) is not None for c in Convention)
        if vi != en:
            only.setdefault(Convention.VI if vi else Convention.EN, text.strip())
    if len(only) == 2:
        raise say.mixed(only[Convention.VI], only[Convention.EN])
    return next(iter(only), default)
