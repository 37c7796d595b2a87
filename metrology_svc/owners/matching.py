"""How an owner named in a list is recognised: phones and names as offices write them.

A phone is compared in one form: digits only, with the leading 0 a spreadsheet dropped put
back (912345678 -> 0912345678) and the country code +84 / 84 replaced by 0. A name is compared
without case, spacing or accents ("Nguyễn Thị Lan", "NGUYEN THI  LAN"), but a name alone never
identifies an owner: two stall holders may share one.
"""

import re
import unicodedata
from functools import lru_cache

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
