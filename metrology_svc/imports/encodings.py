"""Text as offices saved it: CSV encodings, and TCVN3 / VNI cells converted to Unicode NFC.

Before Unicode, Vietnamese was typed with font encodings: TCVN3 (ABC; .VnTime fonts), where
each accented letter is one Latin-1 character ("NguyÔn ThÞ Lan"), and VNI (VNI-Times fonts),
where a letter is followed by a mark character ("Nguyeãn Thò Lan"). Excel keeps those
characters as they are; only the font made them look Vietnamese. The tables
(data/legacy_vietnamese.json) name their source.

A cell is converted when its font says so (XLSX: a .Vn* or VNI-* font), or when its characters
can only be one of those encodings: only Latin-1 characters, and a TCVN3 character Vietnamese
Unicode never uses ("Þ", "î", a capital inside a word: "NguyÔn"), or a VNI letter-and-mark pair
no Vietnamese word has ("eã", "aø"). Vietnamese Unicode (with ă, ơ, ư, đ or any letter past
Latin-1) and English text are never changed.
"""

import codecs
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

Legacy = Literal["tcvn3", "vni"]

_DATA = json.loads(
    resources.files("metrology_svc.imports")
    .joinpath("data/legacy_vietnamese.json")
    .read_text("utf-8")
)
TCVN3: dict[str, str] = _DATA["tcvn3"]
VNI: dict[str, str] = _DATA["vni"]
_TCVN3_TABLE = str.maketrans(TCVN3)
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(VNI, key=len, reverse=True)))

# Latin-1 letters Vietnamese Unicode itself uses: never evidence of a legacy encoding alone.
VIETNAMESE_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_TCVN3_ONLY = frozenset(c for c in TCVN3 if c not in VIETNAMESE_LATIN1)
_TONES = "ùøûõïÙØÛÕÏ"
_CIRCUMFLEX = "âáàåãäÂÁÀÅÃÄ"
_BREVE = "êéèúüëÊÉÈÚÜË"
# VNI pairs no Vietnamese word has in Unicode ("hoá", "hoà", "xoè" do: o + á/à/ã/é/è).
_VNI_STRONG = re.compile(
    f"[aA][{_TONES}{_CIRCUMFLEX}{_BREVE}]|[eE][{_TONES}{_CIRCUMFLEX}]"
    f"|[oO][{_TONES}âåäÂÅÄ]|[uUyYôöÔÖ][{_TONES}]"
)
_MID_WORD_CAPITAL = re.compile("[a-z][\u00c0-\u00de]")
_BEYOND_LATIN1 = re.compile("[^\u0000-\u00ff]")
_HIGH = re.compile("[\u00a0-\u00ff]")
_WORD = re.compile(r"\S+")


_V = "aăâeêioôơuưy"
_VOWELS = "".join(
    unicodedata.normalize("NFC", b + t)
    for b in _V
    for t in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
)
# A Vietnamese syllable: onset, one to three vowels, a final consonant (case aside).
_SYLLABLE = re.compile(
    f"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[{_VOWELS}]{{1,3}}"
    "(?:ng|nh|ch|[cmnpt])?",
    re.IGNORECASE,
)
_TONED = re.compile("[\u0300\u0301\u0303\u0309\u0323]")
_EDGES = re.compile(r"^\W+|\W+$")


def _vietnamese(original: str, converted: str) -> bool:
    """Whether every word the conversion changed reads as a Vietnamese syllable."""
    for before, after in zip(original.split(), converted.split(), strict=False):
        if before == after:
            continue
        word = _EDGES.sub("", after)
        tones = len(_TONED.findall(unicodedata.normalize("NFD", word)))
        if not _SYLLABLE.fullmatch(word) or tones > 1:
            return False
    return True


def _evidence(text: str) -> tuple[int, int]:
    """Return the VNI pairs and the TCVN3-only characters (with capitals inside a word)."""
    vni = len(_VNI_STRONG.findall(text))
    rest = _VNI_STRONG.sub("", text)
    tcvn3 = sum(1 for c in rest if c in _TCVN3_ONLY) + len(_MID_WORD_CAPITAL.findall(rest))
    return vni, tcvn3


def detect(text: str) -> Legacy | None:
    """Return the legacy encoding a cell's text can only be in, or None (Unicode, English)."""
    if text.isascii() or _BEYOND_LATIN1.search(text) or not _HIGH.search(text):
        return None
    vni, tcvn3 = _evidence(text)
    kind: Legacy | None = "vni" if vni > tcvn3 else "tcvn3" if tcvn3 else None
    if kind is None or not _vietnamese(text, convert(text, kind)):
        return None
    return kind


def _capitals(word: str) -> str:
    # A capital is typed in TCVN3 with the small letter's code in a capitals font (.VnTimeH):
    # a word whose plain letters are all capitals is read all in capitals.
    plain = [c for c in word if c.isascii() and c.isalpha()]
    return word.upper() if len(plain) >= 2 and all(c.isupper() for c in plain) else word


def convert(text: str, kind: Legacy, *, capitals: bool = False) -> str:
    """Return a TCVN3 or VNI text in Unicode NFC (`capitals`: a capitals font, .VnTimeH)."""
    if kind == "vni":
        out = _VNI_PATTERN.sub(lambda m: VNI[m[0]], text)
    else:
        out = text.translate(_TCVN3_TABLE)
        out = _WORD.sub(lambda m: _capitals(m[0]), out)
    out = unicodedata.normalize("NFC", out)
    return out.upper() if capitals else out


def font_kind(name: str | None) -> tuple[Legacy | None, bool]:
    """Return the legacy encoding a font name stands for, and whether it is a capitals font."""
    if not name:
        return None, False
    lowered = name.strip().lower()
    if lowered.startswith(".vn"):
        return "tcvn3", lowered.endswith("h")  # .VnTimeH, .VnArialH: capitals
    if lowered.startswith("vni-") or lowered.startswith("vni "):
        return "vni", False
    return None, False


MEMO_TEXTS = 50_000  # distinct texts a Converter remembers (then it starts again) …
MEMO_LENGTH = 200  # … each at most this long: at most ~40 MB of text, whatever the file


@dataclass
class Converter:
    """Converts a file's legacy cells and counts them (for the report's notice)."""

    file_kind: Legacy | None = None  # a CSV decided as TCVN3 / VNI bytes: every cell is
    cells: int = 0
    kinds: set[str] = field(default_factory=set)
    _seen: dict[tuple[str, tuple[Legacy | None, bool]], tuple[str, Legacy | None]] = field(
        default_factory=dict, repr=False
    )

    def text(self, value: str, hint: tuple[Legacy | None, bool] = (None, False)) -> str:
        """Return a cell's text in Unicode (a legacy cell converted and counted)."""
        if value.isascii():
            return value
        # A list repeats its names and places: each distinct short text is judged once (a
        # long one every time, so the memo stays small whatever the file holds).
        if len(value) > MEMO_LENGTH:
            out, kind = self._judge(value, hint)
        else:
            key = (value, hint)
            found = self._seen.get(key)
            if found is None:
                if len(self._seen) >= MEMO_TEXTS:
                    self._seen.clear()
                found = self._seen[key] = self._judge(value, hint)
            out, kind = found
        if kind is not None:
            self.cells += 1
            self.kinds.add(kind)
        return out

    def _judge(self, value: str, hint: tuple[Legacy | None, bool]) -> tuple[str, Legacy | None]:
        """Return the text in Unicode and the legacy encoding it was converted from, if any."""
        kind, capitals = hint
        if kind is not None or self.file_kind is not None:
            kind = kind or self.file_kind
            if _BEYOND_LATIN1.search(value) or not _HIGH.search(value):
                return value, None
        else:
            kind = detect(value)
        if kind is None:
            return value, None
        out = convert(value, kind, capitals=capitals)
        return out, (kind if out != value else None)

    def row(self, cells: Sequence[Any]) -> list[Any]:
        """Return a row with its text cells converted."""
        return [self.text(c) if isinstance(c, str) else c for c in cells]


@dataclass(frozen=True)
class CsvEncoding:
    """How a CSV's bytes are read: the codec, its name for the report, a legacy font encoding."""

    codec: str
    name: str
    legacy: Legacy | None = None


UTF8 = CsvEncoding("utf-8", "utf-8")
UTF8_BOM = CsvEncoding("utf-8-sig", "utf-8 (BOM)")
UTF16 = CsvEncoding("utf-16", "utf-16")
CP1258 = CsvEncoding("cp1258", "windows-1258")
SAMPLE = 1 << 20  # the bytes an 8-bit CSV's encoding is judged on


class UnknownEncoding(ValueError):
    """The CSV is in no encoding this reader knows."""


def _valid_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


_VOWEL = "aeiouyâêôơưăAEIOUYÂÊÔƠƯĂ"
_CP1258_VOWEL_MARK = re.compile(f"[{_VOWEL}][\u0300\u0301\u0303\u0309\u0323]")
_CP1258_STRAY_MARK = re.compile(f"(?:^|[^{_VOWEL}])[\u0300\u0301\u0303\u0309\u0323]")
_CP1258_LETTERS = re.compile("[ăơưđĂƠƯĐ]")


def _cp1258_evidence(head: bytes) -> int:
    """Return how much a sample reads as Windows-1258 Vietnamese (0: not at all)."""
    try:
        text = head.decode("cp1258")
    except UnicodeDecodeError:
        return 0
    if _CP1258_STRAY_MARK.search(text):  # a tone mark after a consonant: another encoding
        return 0
    return len(_CP1258_VOWEL_MARK.findall(text)) + len(_CP1258_LETTERS.findall(text))


def sniff(path: Path) -> CsvEncoding:
    """Tell a CSV's encoding: UTF-8 (BOM or not), UTF-16 (BOM), Windows-1258, TCVN3 or VNI."""
    with path.open("rb") as raw:
        head = raw.read(SAMPLE)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16
    if _valid_utf8(path):
        return UTF8_BOM if head.startswith(codecs.BOM_UTF8) else UTF8
    if b"\0" in head or head.startswith(codecs.BOM_UTF8):
        return _refuse()
    if len(head) == SAMPLE:  # a character cut at the sample's end
        head = head[: head.rfind(b"\n") + 1] or head
    # Windows-1258 first: its tone marks after consonants rule it out for TCVN3 and VNI text,
    # and its own text read as Latin-1 would look like TCVN3.
    if _cp1258_evidence(head):
        return CP1258
    vni = tcvn3 = 0
    for cell in re.split(r'[,;\t\r\n"]', head.decode("latin-1")):
        found = detect(cell)
        vni, tcvn3 = vni + (found == "vni"), tcvn3 + (found == "tcvn3")
    if vni == tcvn3 == 0:
        return _refuse()
    kind: Legacy = "vni" if vni > tcvn3 else "tcvn3"
    return CsvEncoding("latin-1", kind, kind)


def _refuse() -> CsvEncoding:
    raise UnknownEncoding


HOW_TO_SAVE_EN = (
    "the text is not UTF-8 nor another encoding this reader knows (it reads UTF-8, UTF-16 "
    '"Unicode Text", Windows-1258, TCVN3 and VNI); in Excel: File, Save As, Save as type: '
    "CSV UTF-8 (Comma delimited) (*.csv), or Excel Workbook (*.xlsx)"
)
HOW_TO_SAVE_VI = (
    'văn bản dùng bảng mã không đọc được (đọc được UTF-8, UTF-16 "Unicode Text", '
    "Windows-1258, TCVN3 và VNI); trong Excel: Tệp, Lưu thành, Lưu thành: "
    "CSV UTF-8 (Comma delimited) (*.csv), hoặc Excel Workbook (*.xlsx)"
)
