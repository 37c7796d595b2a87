"""Content-Disposition headers by RFC 6266: a UTF-8 `filename*` and a plain ASCII `filename`.

Every download the service builds names its file through this module, so no name (a unit
code, a notice number, a serial) can break out of the header's quoted parameter with `"`, `;`
or a CR/LF, and a Vietnamese name arrives whole in browsers that read `filename*` (RFC 5987).
"""

import re
import unicodedata
from typing import Literal
from urllib.parse import quote

Kind = Literal["attachment", "inline"]
_NOT_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FORMAT_OR_CONTROL = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
MAX_NAME = 150


def _clean(name: str) -> str:
    """Return the name in NFC without control, format (bidi, zero-width) or separator chars."""
    text = unicodedata.normalize("NFC", name)
    kept = "".join(c for c in text if unicodedata.category(c) not in _FORMAT_OR_CONTROL)
    kept = kept.replace("/", "-").replace("\\", "-").strip(" .")
    return kept[:MAX_NAME] or "download"


def ascii_name(name: str) -> str:
    """Return the ASCII fallback of a file name: "Báo cáo đợt 1.pdf" → "Bao-cao-dot-1.pdf"."""
    text = _clean(name).replace("đ", "d").replace("Đ", "D")
    bare = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    safe = _NOT_SAFE.sub("-", bare).strip("-.")
    return safe or "download"


def content_disposition(name: str, *, kind: Kind = "attachment") -> str:
    """Return a Content-Disposition value naming the file in ASCII and in UTF-8."""
    clean = _clean(name)
    encoded = quote(clean, safe="")
    return f"{kind}; filename=\"{ascii_name(clean)}\"; filename*=UTF-8''{encoded}"


def disposition_headers(name: str, *, kind: Kind = "attachment") -> dict[str, str]:
    """Return the headers of a response that is a file with this name."""
    return {"Content-Disposition": content_disposition(name, kind=kind)}
