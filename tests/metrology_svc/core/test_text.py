"""Text from clients: identifiers refuse invisible characters, names and notes lose them."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.core.text import code, identifier, name, one_line, plain

RLO = "\u202e"  # right-to-left override: "SN‮321" shows as "SN123"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2066", "\u2069", "\ufeff", "\xad"]


@pytest.mark.parametrize("char", [RLO, *INVISIBLE, "\x00", "\x1b", "\x7f", "\n"])
def test_an_identifier_with_an_invisible_or_control_character_is_refused(char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        identifier(f"SN{char}321")


def test_an_identifier_is_nfc_and_trimmed_and_not_blank() -> None:
    decomposed = unicodedata.normalize("NFD", "Cân Nhơn Hòa")
    assert identifier(f"  {decomposed} ") == "Cân Nhơn Hòa"
    with pytest.raises(ValueError, match="blank"):
        identifier("   ")
    assert identifier("") == ""


def test_names_lose_invisible_characters_and_keep_vietnamese() -> None:
    assert one_line(f"Chợ{RLO} Kỳ\u200b Anh\n  mới") == "Chợ Kỳ Anh mới"
    assert plain("dòng 1\ndòng 2\t·\x1b") == "dòng 1\ndòng 2\t·"
    assert plain("dòng 1\ndòng 2", multiline=False) == "dòng 1dòng 2"
    assert one_line("dòng 1\ndòng 2") == "dòng 1 dòng 2"
    # A removed character between a letter and its accent: the result is composed again.
    assert plain("a\u200b\u0301") == "á"


@given(st.text())
def test_plain_text_has_no_invisible_or_control_character_and_is_nfc(text: str) -> None:
    out = plain(text)
    assert unicodedata.is_normalized("NFC", out)
    assert not any(unicodedata.category(c) == "Cf" for c in out)
    assert all(c in "\n\t" for c in out if unicodedata.category(c) == "Cc")


@given(st.text())
def test_an_accepted_identifier_shows_exactly_what_it_is(text: str) -> None:
    try:
        out = identifier(text)
    except ValueError:
        return
    assert out == out.strip()
    assert unicodedata.is_normalized("NFC", out)
    assert not any(unicodedata.category(c) in ("Cf", "Cc") for c in out)


def test_a_name_of_only_spaces_or_invisible_characters_is_refused() -> None:
    for blank in (" ", "\u200b", " \u202e "):
        with pytest.raises(ValueError, match="blank"):
            name(blank)
    assert name("") == ""  # absent stays absent; a required field's min_length refuses it
    assert one_line(" \u200b ") == ""  # an address may be empty


@pytest.mark.parametrize("given", ['42"', "18073\r\nX-Injected: 1", "42 073", "Hà", "-42", "4/2"])
def test_a_code_outside_its_alphabet_is_refused_in_both_languages(given: str) -> None:
    with pytest.raises(ValueError, match=r"mã|ký tự ẩn") as caught:
        code(given)
    words = ("digits", "starts with", "invisible character")
    assert any(word in str(caught.value) for word in words)


@given(st.from_regex(r"[0-9A-Za-z][0-9A-Za-z_-]{0,15}", fullmatch=True))
def test_a_code_in_its_alphabet_is_kept_as_typed(given: str) -> None:
    assert code(given) == given
    assert code(f"  {given} ") == given
