"""Pure helpers for unit names and codes: comparison keys and closest matches.

Two public lists may spell one name differently: the tone mark on "oa"/"uy" ("Hòa" / "Hoà",
"Thủy" / "Thuỷ"), the dash in "Chân Mây - Lăng Cô" / "Chân Mây – Lăng Cô", or capitals. Names
are compared first as written (`fold`), then without tone marks (`toneless`), and a match
without tone marks counts only when it is the only one in its province.
"""

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping

# Tone marks (huyền, sắc, ngã, hỏi, nặng). Circumflex, breve and horn are kept: they make
# different letters (a, â, ă; o, ô, ơ; u, ư).
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")
_CODE = re.compile(r"(?:(?P<scheme>\d{4})\s*:\s*)?(?P<code>\d{1,5})")
MAX_MATCHES = 5


def fold(text: str) -> str:
    """Return a name as compared: NFC, casefolded, one dash and apostrophe, single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = _DASHES.sub(" - ", text)
    return " ".join(text.split()).casefold()


def toneless(text: str) -> str:
    """Return `fold(text)` without tone marks: "xã thuận hòa" and "xã thuận hoà" agree."""
    decomposed = unicodedata.normalize("NFD", fold(text))
    kept = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", kept)


def plain(text: str) -> str:
    """Return letters and digits only, without any diacritic ("Phường Bắc Hà" -> "phuongbacha")."""
    decomposed = unicodedata.normalize("NFD", fold(text).replace("đ", "d"))
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def split_code(text: str) -> tuple[str | None, str] | None:
    """Return (scheme, code) when the text is a unit code ("18073", "2004:436"), else None."""
    found = _CODE.fullmatch(text.strip())
    if found is None:
        return None
    return found["scheme"], found["code"]


class NameIndex:
    """Find a unit of one province by name, as written or without tone marks."""

    def __init__(self, units: Iterable[tuple[str, str, str]]) -> None:
        """Index (province code, name, code) triples."""
        self._exact: dict[tuple[str, str], str] = {}
        self._toneless: dict[tuple[str, str], list[str]] = {}
        for province, name, code in units:
            self._exact.setdefault((province, fold(name)), code)
            self._toneless.setdefault((province, toneless(name)), []).append(code)

    def find(self, province: str, name: str) -> str | None:
        """Return the code of the unit of this name in the province, if exactly one fits."""
        code = self._exact.get((province, fold(name)))
        if code is not None:
            return code
        codes = self._toneless.get((province, toneless(name)), [])
        return codes[0] if len(codes) == 1 else None


class Suggester:
    """Find the codes or names that look most like a text (for a refusal's suggestions)."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        """Index `labels`: a key (e.g. "2025:18073") -> its label (e.g. "Phường Thành Sen")."""
        self.labels = dict(labels)
        self._by_code: dict[str, list[str]] = {}
        self._by_name: dict[str, list[str]] = {}
        for key, label in self.labels.items():
            self._by_code.setdefault(key.rsplit(":", 1)[-1], []).append(key)
            self._by_name.setdefault(plain(label), []).append(key)

    def closest(self, text: str, *, limit: int = MAX_MATCHES) -> list[tuple[str, str]]:
        """Return up to `limit` (key, label) pairs: by code for digits, else by name."""
        wanted = text.strip()
        if not wanted:
            return []
        if split_code(wanted) is not None:
            index, probes = self._by_code, [wanted.rsplit(":", 1)[-1].strip()]
        else:
            # An address: compare each of its first parts ("Phường Bắc Hà", "TP Hà Tĩnh").
            index, probes = self._by_name, [p for p in map(plain, wanted.split(",")[:4]) if p]
        scored: dict[str, float] = {}
        for probe in probes:
            for near in difflib.get_close_matches(probe, list(index), n=limit, cutoff=0.6):
                score = difflib.SequenceMatcher(None, probe, near).ratio()
                scored[near] = max(score, scored.get(near, 0.0))
        ranked = sorted(scored, key=lambda n: (-scored[n], n))
        keys = [k for n in ranked for k in index[n]]
        return [(k, self.labels[k]) for k in keys[:limit]]


def closest(
    text: str, labels: Mapping[str, str], *, limit: int = MAX_MATCHES
) -> list[tuple[str, str]]:
    """Return up to `limit` (key, label) pairs whose code or name looks most like the text."""
    return Suggester(labels).closest(text, limit=limit)
