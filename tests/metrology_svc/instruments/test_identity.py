"""The loose identity of an instrument (instruments.identity): the key near-duplicates share
however case, accents, spacing, punctuation and the maker's other names are written."""

import csv
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.instruments.identity import LOOSE_KEY_MAX, MAKERS, loose_identity


def test_makers_and_serials_written_differently_are_one_instrument() -> None:
    key = loose_identity("scale_spring_dial", "Nhơn Hòa", "SN-0012 34")
    for maker, serial in [
        ("Nhon Hoa", "sn001234"),
        ("NHƠN HOÀ", "SN 0012-34"),
        (unicodedata.normalize("NFD", "Nhơn Hoà"), "sn.0012.34"),
        ("Cân Nhơn Hòa", "SN001234"),
    ]:
        assert loose_identity("scale_spring_dial", maker, serial) == key, maker
    assert loose_identity("scale_spring_dial", "Nhơn Hòa", "SN-0012 35") != key
    assert loose_identity("scale_spring_dial", "Đông Á", "SN-0012 34") != key
    assert loose_identity("scale_counter", "Nhơn Hòa", "SN-0012 34") != key


def _pairs() -> list[tuple[str, str]]:
    with MAKERS.open(encoding="utf-8", newline="") as f:
        return [(r["maker"], r["alias"]) for r in csv.DictReader(f)]


PAIRS = _pairs()
ACCENTS = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306"]
SEPARATORS = st.sampled_from([" ", "-", ".", "/", "_", "  ", ",", "#"])
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def written(draw: st.DrawFn, text: str) -> str:
    """Return text as someone may write it: case, accents, spacing and punctuation changed."""
    out = []
    for char in text:
        if draw(st.booleans()):
            char = char.swapcase()
        if char in LETTERS and draw(st.integers(0, 4)) == 0:
            char = unicodedata.normalize(
                draw(st.sampled_from(["NFC", "NFD"])), char + draw(st.sampled_from(ACCENTS))
            )
        out.append(char)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(SEPARATORS))
    return "".join(out)


ALNUM = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=20)


@given(data=st.data(), maker=st.sampled_from(PAIRS), serial=ALNUM, alias=st.booleans())
def test_the_key_is_the_same_however_maker_and_serial_are_written(
    data: st.DataObject, maker: tuple[str, str], serial: str, alias: bool
) -> None:
    key = loose_identity("scale_spring_dial", maker[0], serial)
    as_written = data.draw(written(maker[1] if alias else maker[0]))
    assert loose_identity("scale_spring_dial", as_written, data.draw(written(serial))) == key


@given(
    data=st.data(),
    maker=st.text(alphabet=LETTERS + "0123456789", min_size=1, max_size=30),
    serial=ALNUM,
)
def test_an_unknown_maker_is_compared_bare_too(
    data: st.DataObject, maker: str, serial: str
) -> None:
    key = loose_identity("fuel_dispenser", maker, serial)
    assert loose_identity("fuel_dispenser", data.draw(written(maker)), serial.lower()) == key


@given(serial=ALNUM, other=ALNUM)
def test_other_serials_are_other_instruments(serial: str, other: str) -> None:
    same = serial.casefold() == other.casefold()
    one, two = (loose_identity("scale_counter", "Nhơn Hòa", s) for s in (serial, other))
    assert (one == two) == same


@given(
    maker=st.text(min_size=1, max_size=128),
    serial=st.text(min_size=1, max_size=64),
)
def test_every_key_fits_its_column(maker: str, serial: str) -> None:
    key = loose_identity("x" * 64, maker, serial)
    assert len(key) <= LOOSE_KEY_MAX
    assert key == loose_identity("x" * 64, maker, serial)


def test_a_key_too_wide_keeps_its_head_and_a_digest() -> None:
    wide = "\ufb03" * 128  # "ﬃ" folds to three letters
    key = loose_identity("scale_counter", wide, "A1")
    assert len(key) == LOOSE_KEY_MAX
    assert key.startswith("scale_counter|ffiffi")
    assert key != loose_identity("scale_counter", wide[:-1], "A1")
