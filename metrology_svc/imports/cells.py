"""Reading one cell that is not a number: text, dates, patterns and enumerated words."""

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from metrology_svc.owners.matching import (
    NotNationalId,
    national_id_from_number,
    normalise_national_id,
)

TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
PHONE = re.compile(r"^\+?[0-9][0-9 .-]{7,18}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][0-9:.]*)?$")


def norm(text: str) -> str:
    """Return text as compared for matching: NFC, casefolded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


# Enumerated cells accept the stored value, its English words and the Vietnamese words.
ROLES = {"trade": "trade", "kinh doanh": "trade", "thương mại": "trade", "mua bán": "trade"}
ROLES |= {"control": "control", "đối chứng": "control", "cân đối chứng": "control"}
SITE_KINDS = {"market": "market", "chợ": "market", "other": "other", "khác": "other"}
SITE_KINDS |= dict.fromkeys(
    ("fuel station", "fuel_station", "cửa hàng xăng dầu", "cây xăng", "trạm xăng dầu"),
    "fuel_station",
)
SITE_KINDS |= dict.fromkeys(
    ("gold shop", "gold_shop", "cửa hàng vàng bạc", "tiệm vàng", "cửa hàng vàng"), "gold_shop"
)
OWNER_KINDS = {"household": "household", "hộ kinh doanh": "household", "hộ": "household"}
OWNER_KINDS |= {"company": "company", "doanh nghiệp": "company", "công ty": "company"}
LANGUAGES = {"vi": "vi", "tiếng việt": "vi", "vietnamese": "vi"}
LANGUAGES |= {"en": "en", "tiếng anh": "en", "english": "en"}

# Words written on export, per language (the importer reads both).
LABELS_VI = {
    "trade": "kinh doanh",
    "control": "đối chứng",
    "market": "chợ",
    "fuel_station": "cửa hàng xăng dầu",
    "gold_shop": "cửa hàng vàng bạc",
    "other": "khác",
    "household": "hộ kinh doanh",
    "company": "doanh nghiệp",
}


# A cell as read: text, or a number cell of a workbook (kept as a number, never re-parsed).
Cell = str | int | float


def as_text(cell: Cell) -> str:
    """Return a cell as text (a whole number cell without ".0")."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


class Bad(ValueError):
    """A cell that cannot be read; carries the reason in both languages."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en


def parse_date(cell: Cell) -> date:
    """Read a date as dd/mm/yyyy (also with - or .) or ISO yyyy-mm-dd."""
    # A regex and date() are several times faster than strptime, which matters at 100k rows.
    text = as_text(cell)
    found = DMY.match(text)
    try:
        if found is not None:
            return date(int(found[4]), int(found[3]), int(found[1]))
        found = YMD.match(text)
        if found is not None:
            return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        pass
    raise Bad("Ngày không hợp lệ (dd/mm/yyyy)", "Invalid date (dd/mm/yyyy or yyyy-mm-dd)")


def folded(text: str) -> str:
    """Return text without accents, đ as d, casefolded, punctuation as single spaces."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in bare if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare).split())


# A verification result as lists write it, accents or none: Đ/KĐ, đạt/không đạt, pass/fail.
RESULT_WORDS = {
    "pass": ("đạt", "Đ", "đạt yêu cầu", "pass", "passed", "P", "OK"),
    "fail": ("không đạt", "KĐ", "K.Đ", "không đạt yêu cầu", "ko đạt", "fail", "failed", "F"),
}
RESULTS = {folded(w): key for key, words in RESULT_WORDS.items() for w in words}
RESULTS_SHOWN = "đạt / không đạt (Đ / KĐ), pass / fail"


def parse_result(cell: Cell) -> str:
    """Read a verification result, accent-insensitively: "pass" or "fail"."""
    found = RESULTS.get(folded(as_text(cell)))
    if found is None:
        raise Bad("Kết quả kiểm định không hợp lệ", "Unknown verification result")
    return found


def _text(limit: int) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        s = as_text(cell)
        if not s.isascii():
            # Stored in NFC whatever the file held: an NFD "Nguyệt" is found by a search.
            s = unicodedata.normalize("NFC", s)
        if len(s) > limit:
            raise Bad(f"Dài quá {limit} ký tự", f"Longer than {limit} characters")
        return s

    return parse


def _choice(table: Mapping[str, str], what_vi: str, what_en: str) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        found = table.get(norm(as_text(cell)))
        if found is None:
            raise Bad(f"{what_vi} không hợp lệ", f"Unknown {what_en}")
        return found

    return parse


def _pattern(regex: re.Pattern[str], what_vi: str, what_en: str) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        s = as_text(cell)
        if not regex.match(s):
            raise Bad(f"{what_vi} không hợp lệ", f"Invalid {what_en}")
        return s

    return parse


def parse_national_id(cell: Cell) -> str:
    """Read a national ID: 12 digits (CCCD) or 9 (CMND), spaces and dots dropped; a workbook's
    number cell gets back the leading zeros it lost (owners.matching)."""
    try:
        if isinstance(cell, int) or (isinstance(cell, float) and cell.is_integer()):
            return national_id_from_number(int(cell))
        return normalise_national_id(as_text(cell))
    except NotNationalId as exc:
        raise Bad(exc.vi, exc.en) from exc


# Cells read the same whatever the file's number convention; numbers.py adds the numeric ones.
TEXT_PARSERS: dict[str, Callable[[Cell], Any]] = {
    "serial": _text(64),
    "manufacturer": _text(128),
    "model": _text(128),
    "type_approval_no": _text(64),
    "accuracy_class": _text(8),
    "seal_number": _text(64),
    "role": _choice(ROLES, "Vai trò", "role (trade/control)"),
    "owner_name": _text(200),
    "owner_trade_name": _text(200),
    "owner_tax_code": _pattern(TAX_CODE, "Mã số thuế", "tax code"),
    "owner_national_id": parse_national_id,
    "owner_phone": _pattern(PHONE, "Số điện thoại", "phone number"),
    "owner_email": _pattern(EMAIL, "Thư điện tử", "e-mail address"),
    "owner_language": _choice(LANGUAGES, "Ngôn ngữ", "language (vi/en)"),
    "owner_kind": _choice(OWNER_KINDS, "Loại chủ sở hữu", "owner kind"),
    "site_name": _text(200),
    "site_kind": _choice(SITE_KINDS, "Loại địa điểm", "site kind"),
    "unit_code": _text(400),  # a code, an old code or an address (read by units.resolver)
    "site_address": _text(400),
    "last_verified_on": parse_date,
    "due_date": parse_date,
    "last_result": parse_result,
}
