"""An instrument as a list names it, compared with how offices write makers and serials.

Two rows, or a row and a stored instrument, are the same instrument when their type is the
same and their maker and serial are alike once case, accents, spacing and punctuation are set
aside ("SN-0012 34" / "sn001234"), a maker's other spellings (data/makers.csv: "Nhon Hoa",
"NHƠN HOÀ", "Cân Nhơn Hòa" are Nhơn Hòa) read as the maker itself.

The key is stored (instrument.loose_key) and compared by the API, the web form and imports;
`metrology-svc db upgrade` recomputes stored keys after the makers file changes.
"""

import csv
import hashlib
import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

MAKERS = Path(__file__).parent / "data" / "makers.csv"
LOOSE_KEY_MAX = 300  # the width of instrument.loose_key


_NOT_ALNUM = re.compile(r"[\W_]+")


def _bare(text: str) -> str:
    """Return text without case, accents, spaces or punctuation (letters and digits only)."""
    if not text.isascii():
        text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", text.casefold())


@cache
def aliases() -> dict[str, str]:
    """Return a maker's spellings (bare) -> the maker's own name (bare), from the data file."""
    out: dict[str, str] = {}
    with MAKERS.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            maker = _bare(row["maker"])
            out[_bare(row["alias"])] = maker
            out[maker] = maker
    return out


@lru_cache(maxsize=4096)  # a list names a few makers many times
def maker_key(manufacturer: str) -> str:
    """Return how a maker is compared: bare, its other spellings read as the maker."""
    bare = _bare(manufacturer)
    return aliases().get(bare, bare)


def loose_identity(type_code: str, manufacturer: str, serial: str) -> str:
    """Return the key two rows of one instrument share however maker and serial are written."""
    # A serial of punctuation only ("-") stays as written: it is no serial to merge rows on.
    key = f"{type_code}|{maker_key(manufacturer)}|{_bare(serial) or serial.casefold()}"
    if len(key) <= LOOSE_KEY_MAX:
        return key
    # Case folding can lengthen text ("ﬃ" -> "ffi"): a key too wide for the column keeps its
    # head and a digest of the whole, still one key per identity.
    return f"{key[: LOOSE_KEY_MAX - 65]}#{hashlib.sha256(key.encode()).hexdigest()}"
