"""Text a client gives: one Unicode form, no invisible characters that change what is shown.

Two kinds of text:

- an **identifier** (a serial, a seal number, a stamp or unit code as typed) is compared and
  printed as it is: it is put in NFC and trimmed, and one holding an invisible character
  (zero-width, bidi control, BOM, soft hyphen: Unicode category Cf) or a control character is
  refused with the character named, so "SN‮123" can never pass for "SN321";
- a **code** (an administrative unit's code, a scheme key) is an identifier limited to its
  alphabet: ASCII letters, digits, `-` and `_`, starting with a letter or digit (official unit
  codes are digits: "42", "18073"); a quote or a line break can then never reach a file name or
  a header built from it;
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


CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def code(text: str) -> str:
    """Return a code as identifier() does; refuse a character outside the codes' alphabet."""
    text = identifier(text)
    for char in text:
        if char not in CODE_CHARACTERS:
            shown = f"U+{ord(char):04X}" if not char.isprintable() or char.isspace() else char
            raise ValueError(
                f"may hold only letters A-Z, digits, '-' and '_', not {shown!r} / "
                f"mã chỉ gồm chữ A-Z, chữ số, '-' và '_', không được có {shown!r}"
            )
    if text and not text[0].isalnum():
        raise ValueError("starts with a letter or a digit / mã phải bắt đầu bằng chữ hoặc số")
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
Code = Annotated[str, AfterValidator(code)]
Name = Annotated[str, AfterValidator(name)]
Line = Annotated[str, AfterValidator(one_line)]
FreeText = Annotated[str, AfterValidator(plain)]
