"""The refusals of core.quantities, each in Vietnamese and English (pure, no I/O)."""

from collections.abc import Sequence
from decimal import Decimal


class QuantityError(ValueError):
    """A text that is not one certain number: `.vi`, `.en` say why; `.readings`: the candidates."""

    def __init__(self, *, en: str, vi: str, readings: Sequence[Decimal] = ()) -> None:
        super().__init__(en)
        self.en, self.vi, self.readings = en, vi, tuple(readings)

    def message(self, lang: str) -> str:
        """Return the message in the page language ("vi" or else English)."""
        return self.vi if lang == "vi" else self.en


_EXAMPLES = {
    "vi": (
        "1.500 (một nghìn năm trăm), 1,5 (một phẩy năm), 15 kg",
        "1.500 (one thousand five hundred), 1,5 (one and a half), 15 kg",
    ),
    "en": (
        "1,500 (một nghìn năm trăm), 1.5 (một phẩy năm), 15 kg",
        "1,500 (one thousand five hundred), 1.5 (one and a half), 15 kg",
    ),
}
_WAY = {
    "vi": (
        "kiểu Việt Nam",
        "the Vietnamese way",
        "dấu “,” là dấu thập phân, dấu “.” tách hàng nghìn",
        "“,” is the decimal mark, “.” groups thousands",
    ),
    "en": (
        "kiểu Anh",
        "the English way",
        "dấu “.” là dấu thập phân, dấu “,” tách hàng nghìn",
        "“.” is the decimal point, “,” groups thousands",
    ),
}


def too_long(limit: int) -> QuantityError:
    """Refuse a text longer than the limit (not echoed)."""
    return QuantityError(
        vi=f"Quá dài: tối đa {limit} ký tự.", en=f"Too long: at most {limit} characters."
    )


def empty() -> QuantityError:
    """Refuse an empty text."""
    return QuantityError(vi="Chưa nhập số.", en="No number given.")


def not_finite(text: str) -> QuantityError:
    """Refuse NaN, inf, Infinity and ∞."""
    return QuantityError(
        vi=f"“{text}” không phải là một số hữu hạn.", en=f"“{text}” is not a finite number."
    )


def exponent(text: str) -> QuantityError:
    """Refuse exponent notation such as 1e3."""
    return QuantityError(
        vi=f"“{text}”: không dùng dạng số mũ; hãy viết đủ các chữ số.",
        en=f"“{text}”: exponent notation is not accepted; write the number out.",
    )


def not_a_number(text: str, *, convention: str) -> QuantityError:
    """Refuse a text that no convention reads, with examples of the agreed way."""
    vi, en = _EXAMPLES[convention]
    return QuantityError(
        vi=f"“{text}” không phải là số. Ví dụ: {vi}.",
        en=f"“{text}” is not a number. Examples: {en}.",
    )


def other_convention(
    text: str, *, convention: str, suggestion: str, reading: Decimal
) -> QuantityError:
    """Refuse a text only the other convention reads, saying how to write it the agreed way."""
    other = "en" if convention == "vi" else "vi"
    vi_other, en_other, _, _ = _WAY[other]
    vi_way, en_way, vi_marks, en_marks = _WAY[convention]
    return QuantityError(
        vi=f"“{text}” là số viết {vi_other}; ở đây số viết {vi_way} ({vi_marks}). "
        f"Nếu ý là {suggestion}, hãy viết như vậy.",
        en=f"“{text}” is written {en_other}; here numbers are written {en_way} ({en_marks}). "
        f"If you mean {suggestion}, write it so.",
        readings=(reading,),
    )


def ambiguous(
    text: str, *, thousands: str, decimals: str, mark: str, readings: Sequence[Decimal]
) -> QuantityError:
    """Refuse the shape 15.000 / 15,000 where the field expects the other reading."""
    return QuantityError(
        vi=f"“{text}” có thể là {thousands} (dấu “{mark}” tách hàng nghìn) hoặc {decimals} "
        f"(dấu “{mark}” là dấu thập phân). Không đoán: hãy viết {thousands} hoặc {decimals}.",
        en=f"“{text}” could be {thousands} (“{mark}” grouping thousands) or {decimals} "
        f"(“{mark}” as the decimal mark). Not guessed: write {thousands} or {decimals}.",
        readings=readings,
    )


def unknown_unit(text: str, symbols: Sequence[str]) -> QuantityError:
    """Refuse a unit not in the table."""
    known = ", ".join(symbols)
    return QuantityError(
        vi=f"Không rõ đơn vị “{text}”; dùng một trong: {known}.",
        en=f"Unknown unit “{text}”; use one of: {known}.",
    )


def unit_not_expected(text: str) -> QuantityError:
    """Refuse a unit where a plain number is asked for."""
    return QuantityError(
        vi=f"“{text}”: ô này chỉ nhận số, không ghi đơn vị.",
        en=f"“{text}”: this field takes a plain number, without a unit.",
    )


def unit_missing(symbol: str) -> QuantityError:
    """Refuse a plain number where a unit is needed."""
    return QuantityError(vi=f"Cần ghi đơn vị ({symbol}).", en=f"Give the unit ({symbol}).")


def wrong_kind(have: str, want: str) -> QuantityError:
    """Refuse a unit of another kind (a mass where a volume is asked for)."""
    return QuantityError(
        vi=f"Đơn vị {have} không đổi được sang {want} (khác đại lượng).",
        en=f"{have} cannot be converted to {want} (a different kind of quantity).",
    )


def too_many_digits(text: str, significant: int, decimals: int) -> QuantityError:
    """Refuse more digits than a stored number keeps."""
    return QuantityError(
        vi=f"“{text}” có quá nhiều chữ số (tối đa {significant} chữ số có nghĩa, "
        f"{decimals} chữ số thập phân).",
        en=f"“{text}” has too many digits (at most {significant} significant digits, "
        f"{decimals} decimals).",
    )


def too_large(text: str, digits: int) -> QuantityError:
    """Refuse a number with too many integer digits."""
    return QuantityError(
        vi=f"“{text}” quá lớn (tối đa {digits} chữ số phần nguyên).",
        en=f"“{text}” is too large (at most {digits} integer digits).",
    )


def mixed(vi_text: str, en_text: str) -> QuantityError:
    """Refuse a set of texts that writes numbers both ways."""
    return QuantityError(
        vi=f"Số được viết lẫn hai kiểu: “{vi_text}” kiểu Việt Nam, “{en_text}” kiểu Anh; "
        "hãy thống nhất một kiểu.",
        en=f"Numbers are written both ways: “{vi_text}” the Vietnamese way, “{en_text}” the "
        "English way; use one way throughout.",
    )
