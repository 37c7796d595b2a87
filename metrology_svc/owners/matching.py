"""How an owner named in a list is recognised: national IDs, phones and names as offices write
them.

A national ID (CCCD, or the older CMND) is compared as its digits: spaces and dots removed.

A phone is compared in one form: digits only, with the leading 0 a spreadsheet dropped put
back (912345678 -> 0912345678) and the country code +84 / 84 replaced by 0. A name is compared
without case, spacing or accents ("Nguyễn Thị Lan", "NGUYEN THI  LAN"), but a name alone never
identifies an owner: two stall holders may share one.
"""

import difflib
import re
import unicodedata
from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator

_NOT_DIGIT = re.compile(r"[\s.\-()/]")


def normalise_phone(text: str | None) -> str | None:
    """Return a Vietnamese phone number in one form (0 and digits), or None when there is none.

    Text that is not a phone number once separators are removed is returned as it is (a cell
    parser refuses it before it gets here).
    """
    if text is None:
        return None
    digits = _NOT_DIGIT.sub("", text.strip())
    if not digits:
        return None
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("+"):
        return digits  # a foreign number: kept as written, without separators
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]  # 84 912 345 678; 84 24 3825 1234
    elif not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits  # a number cell lost its leading 0
    return digits


def nfc_line(text: str) -> str:
    """Return text in NFC on one line with single spaces (how names are stored)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=65536)  # a list repeats its owners' names
def loose_name(text: str) -> str:
    """Return a name as compared for a possible duplicate: no case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split()).casefold()


# A national ID as lists write it: the 12-digit citizen identity card number (CCCD, also the
# personal identification number) or the 9-digit identity card number (CMND) it replaced.
NATIONAL_ID_LENGTHS = (9, 12)
_ID_SEPARATORS = re.compile(r"[\s.]")


class NotNationalId(ValueError):
    """Text that is not a national ID; carries the reason in Vietnamese and English."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{en} / {vi}")
        self.vi, self.en = vi, en


def normalise_national_id(text: str) -> str:
    """Return a national ID as stored: its digits, spaces and dots removed ("001 234.567 890"
    -> "001234567890"); refuse anything but 12 digits (CCCD) or 9 digits (CMND)."""
    digits = _ID_SEPARATORS.sub("", text)
    if not digits:
        raise NotNationalId("Số CCCD/CMND trống", "The national ID is blank")
    if not (digits.isascii() and digits.isdigit()):
        raise NotNationalId(
            "Số CCCD/CMND chỉ gồm chữ số (dấu cách, dấu chấm được bỏ qua)",
            "A national ID holds digits only (spaces and dots are ignored)",
        )
    if len(digits) not in NATIONAL_ID_LENGTHS:
        raise NotNationalId(
            f"Số CCCD gồm 12 chữ số, số CMND cũ 9 chữ số; số này có {len(digits)} chữ số",
            f"A national ID has 12 digits (CCCD) or 9 (the old CMND); this one has {len(digits)}",
        )
    return digits


def national_id_from_number(number: int) -> str:
    """Return the national ID a spreadsheet number cell holds, its lost leading zeros put back.

    A CCCD begins with a province code 001–096, so a number of 10 or 11 digits is a CCCD that
    lost one or two zeros; a number of 8 digits a CMND that lost one. Other lengths are
    refused as normalise_national_id refuses them.
    """
    text = str(number)
    if text.isdigit() and len(text) in (10, 11):
        return text.zfill(12)
    if text.isdigit() and len(text) == 8:
        return text.zfill(9)
    return normalise_national_id(text)


def _given_national_id(value: object) -> object:
    # Before pydantic's own checks (max_length counts the digits, not the spaces).
    return normalise_national_id(value) if isinstance(value, str) else value


# A national ID a client gives: stored as its digits, refused (vi / en) unless 9 or 12 digits.
NationalId = Annotated[str, BeforeValidator(_given_national_id)]

# How alike two loose names must be (difflib ratio) to count as one name written two ways.
SAME_NAME_RATIO = 0.8


def names_differ(a: str, b: str) -> bool:
    """Tell whether two names of one person (by their ID) differ more than spelling does.

    Case, accents and spacing aside, and a typo or two allowed: "Nguyễn Thị Lan" and "NGUYEN
    THI LANN" are one spelling; "Nguyễn Thị Lan" and "Trần Văn Bình" are not.
    """
    left, right = loose_name(a), loose_name(b)
    if left == right:
        return False
    return difflib.SequenceMatcher(None, left, right).ratio() < SAME_NAME_RATIO
