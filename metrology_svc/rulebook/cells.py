"""Reading one cell of a rule table: numbers as offices write them, refusing the ambiguous."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

_PLAIN = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# "1.500" or "15,000": a thousands group or a decimal with three places? Refuse, do not guess.
# "0,045" and "6000.001" are not ambiguous (no group starts with 0 or has four digits).
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a table or one of its cells cannot be loaded, in both languages."""

    loc: tuple[str | int, ...]
    en: str
    vi: str


class CellError(ValueError):
    """A cell that cannot be read; carries the reason in both languages."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.en, self.vi = en, vi


def parse_decimal(value: Any) -> Decimal:
    """Read a finite decimal from text ("0,5" or "0.5") or a JSON number."""
    if isinstance(value, bool):
        raise CellError("not a number", "không phải số")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("not a finite number", "không phải số hữu hạn")
        return Decimal(repr(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if _AMBIGUOUS.fullmatch(text):
        raise CellError(
            f"{text!r} is ambiguous (thousands or decimals?): write it without a separator "
            "or with fewer decimals",
            f"{text!r} không rõ (phân cách hàng nghìn hay thập phân?): viết không dấu phân cách "
            "hoặc bớt chữ số thập phân",
        )
    if not _PLAIN.fullmatch(text):
        raise CellError(f"{text!r} is not a number", f"{text!r} không phải số")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise CellError(f"{text!r} is not a number", f"{text!r} không phải số") from None


def parse_int(value: Any) -> int:
    """Read a whole number."""
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError("not a whole number", "không phải số nguyên")
    return int(number)


def canonical(number: Decimal) -> str:
    """Write a decimal plainly: no exponent, no trailing zeros ("50", "0.5")."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def is_blank(value: Any) -> bool:
    """Tell whether a cell is empty (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())
