"""Text a client gives: one Unicode form, no invisible characters that change what is shown.

Two kinds of text:

- an **identifier** (a serial, a seal number, a stamp or unit code as typed) is compared and
  printed as it is: it is put in NFC and trimmed, and one holding an invisible character
  (zero-width, bidi control, BOM, soft hyphen: Unicode category Cf) or a control character is
  refused with the character named, so "SN‮123" can never pass for "SN321";
- a **name or free text** (a site, an address, a note) is put in NFC and its invisible
  characters are removed; control characters other than line breaks and tabs are removed too.

`plain()` does the second to any text on its way to a page, so that what was stored before
these rules (or came from a file) cannot reverse or hide what a page shows.
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

_ALLOWED_CONTROLS = frozenset("\n\t")


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


def _control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"


def plain(text: str, *, multiline: bool = True) -> str:
    """Return text in NFC without invisible format characters or stray control characters."""
    if text.isascii() and text.isprintable():
        return text
    keep = _ALLOWED_CONTROLS if multiline else frozenset()
    kept = "".join(c for c in text if not _invisible(c) and (not _control(c) or c in keep))
    return unicodedata.normalize("NFC", kept)  # after: a removed character may join two


def identifier(text: str) -> str:
    """Return an identifier in NFC, trimmed; refuse one with an invisible or control character.

    The message names the character (U+202E …) in Vietnamese and English.
    """
    given = text
    text = unicodedata.normalize("NFC", text).strip()
    if given and not text:
        raise ValueError("is blank / chỉ có khoảng trắng")
    for char in text:
        if _invisible(char) or _control(char):
            code = f"U+{ord(char):04X}"
            raise ValueError(
                f"contains the invisible character {code} ({unicodedata.name(char, 'control')}); "
                f"type it again without it / có ký tự ẩn {code}, hãy nhập lại"
            )
    return text


def one_line(text: str) -> str:
    """Return a line of text: NFC, invisible characters removed, single spaces."""
    return " ".join(plain(text).split())


def name(text: str) -> str:
    """Return a name as one_line does; refuse one that was only spaces or invisible characters
    (it would be stored empty)."""
    shown = one_line(text)
    if text and not shown:
        raise ValueError(
            "is blank or only invisible characters / chỉ có khoảng trắng hoặc ký tự ẩn"
        )
    return shown


Identifier = Annotated[str, AfterValidator(identifier)]
Name = Annotated[str, AfterValidator(name)]
Line = Annotated[str, AfterValidator(one_line)]
FreeText = Annotated[str, AfterValidator(plain)]
