"""CSV encodings and TCVN3 / VNI text, as offices saved their lists for years."""

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from metrology_svc.core.errors import Invalid
from metrology_svc.imports.encodings import Converter, convert, detect
from metrology_svc.imports.readers import open_table
from metrology_svc.imports.service import import_file
from metrology_svc.sites.models import Site
from tests.factories import ADMIN, World
from tests.metrology_svc.imports.offices import column, csv_bytes, matrix, write_book
from tests.metrology_svc.imports.support import TODAY, scale_row

# Whole words typed in the old fonts, as Excel keeps the characters.
TCVN3 = {
    "NguyÔn ThÞ Lan": "Nguyễn Thị Lan",
    "Chî Kú Anh": "Chợ Kỳ Anh",
    "TrÇn V¨n §øc": "Trần Văn Đức",
}
VNI = {
    "Nguyeãn Thò Lan": "Nguyễn Thị Lan",
    "Chôï Kyø Anh": "Chợ Kỳ Anh",
    "Traàn Vaên Ñöùc": "Trần Văn Đức",
}


@pytest.mark.parametrize(("typed", "unicode"), list(TCVN3.items()))
def test_tcvn3_words_read_as_unicode(typed: str, unicode: str) -> None:
    assert detect(typed) == "tcvn3"
    assert convert(typed, "tcvn3") == unicode
    assert unicodedata.is_normalized("NFC", convert(typed, "tcvn3"))


@pytest.mark.parametrize(("typed", "unicode"), list(VNI.items()))
def test_vni_words_read_as_unicode(typed: str, unicode: str) -> None:
    assert detect(typed) == "vni"
    assert convert(typed, "vni") == unicode


def test_capitals_typed_in_tcvn3() -> None:
    # .VnTimeH shows the small letters' codes as capitals: a word in capitals stays so.
    assert convert("NGUYÔN V¡N", "tcvn3") == "NGUYỄN VĂN"
    assert convert("nguyÔn", "tcvn3", capitals=True) == "NGUYỄN"


@pytest.mark.parametrize(
    "text",
    [
        "Thanh Hoá",
        "Hoà Bình",
        "Nguyễn Thị Lan",
        "Café",
        "Crème brûlée",
        "José Peña",
        "Ô Môn",
        "ĐVT",
    ],
)
def test_unicode_and_foreign_words_are_left_alone(text: str) -> None:
    assert detect(text) is None
    assert Converter().text(text) == text


_ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph"]
_ONSETS += ["qu", "r", "s", "t", "th", "tr", "v", "x"]
_RHYMES = ["a", "ai", "ao", "au", "ay", "âu", "ây", "ăn", "an", "ang", "anh", "e", "em", "en", "eo"]
_RHYMES += ["ê", "ên", "ênh", "êu", "i", "ia", "iêu", "in", "inh", "iêt", "o", "oa", "oai", "oan"]
_RHYMES += ["oe", "oi", "om", "ong", "ô", "ôi", "ông", "ơ", "ơi", "ơn", "u", "ua", "uân", "uê"]
_RHYMES += ["ui", "uôn", "uy", "uyên", "ư", "ưa", "ươi", "ương", "ưu", "y", "yên"]
_TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]


@st.composite
def _syllable(draw: st.DrawFn) -> str:
    rhyme = draw(st.sampled_from(_RHYMES))
    tone = draw(st.sampled_from(_TONES))
    # The tone goes on any vowel of the rhyme: old ("hoá") and new ("hóa") placements both.
    vowels = [i for i, c in enumerate(rhyme) if unicodedata.normalize("NFD", c)[0] in "aeiouy"]
    at = draw(st.sampled_from(vowels))
    word = draw(st.sampled_from(_ONSETS)) + rhyme[:at] + rhyme[at] + tone + rhyme[at + 1 :]
    case = draw(st.sampled_from(["lower", "title", "upper"]))
    word = {"lower": word, "title": word.capitalize(), "upper": word.upper()}[case]
    return unicodedata.normalize("NFC", word)


@settings(max_examples=200, deadline=None)
@given(st.lists(_syllable(), min_size=1, max_size=6), st.sampled_from([" ", ", ", " - "]))
def test_nfc_vietnamese_unicode_is_never_changed(words: list[str], sep: str) -> None:
    text = sep.join(words)
    assert detect(text) is None
    assert Converter().text(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_english_text_is_never_changed(text: str) -> None:
    assert Converter().text(text) == text


def _read(path: Path, data: bytes) -> tuple[list[tuple[int, str, str]], str | None, int]:
    path.write_bytes(data)
    table = open_table(path)
    rows = [(r.row, str(r.values["owner_name"]), str(r.values["site_name"])) for r in table.rows]
    return rows, table.source.encoding, table.source.converted


LAN = scale_row("E-1", owner_name="Nguyễn Thị Lan", site_name="Chợ Kỳ Anh")
DUC = scale_row("E-2", owner_name="Trần Văn Đức", site_name="Chợ Kỳ Anh")
EXPECTED = [(3, "Nguyễn Thị Lan", "Chợ Kỳ Anh"), (4, "Trần Văn Đức", "Chợ Kỳ Anh")]


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8 (BOM)"),
        ("utf-16", "utf-16"),  # Excel's "Unicode Text": tab-separated, with a BOM
        ("cp1258", "windows-1258"),
    ],
)
def test_csv_encodings_excel_saves(tmp_path: Path, encoding: str, name: str) -> None:
    rows, read_as, converted = _read(tmp_path / "ds.csv", csv_bytes(matrix([LAN, DUC]), encoding))
    assert (rows, read_as, converted) == (EXPECTED, name, 0)


OLD_HEADERS = {
    "tcvn3": ["Sè s¶n xuÊt", "Chñ së h÷u", "§Þa ®iÓm", "Type", "Manufacturer", "Unit code"],
    "vni": ["Soá saûn xuaát", "Chuû sôû höõu", "Ñòa ñieåm", "Type", "Manufacturer", "Unit code"],
}


@pytest.mark.parametrize(("words", "name"), [(TCVN3, "tcvn3"), (VNI, "vni")])
def test_csv_typed_in_old_fonts_is_converted(
    tmp_path: Path, words: dict[str, str], name: str
) -> None:
    # Saved by Excel as "CSV (Comma delimited)": the font's bytes, headers typed in it too.
    owners = list(words)
    body = [OLD_HEADERS[name]]
    body += [[f"O-{i}", owners[i], owners[1], "x", "Nhon Hoa", "18754"] for i in (0, 2)]
    path = tmp_path / "old.csv"
    path.write_bytes("".join(",".join(r) + "\r\n" for r in body).encode("latin-1"))
    table = open_table(path)
    assert table.header.label("owner_name") == "Chủ sở hữu"
    rows = [(r.row, r.values["owner_name"], r.values["site_name"]) for r in table.rows]
    assert rows == [(2, "Nguyễn Thị Lan", "Chợ Kỳ Anh"), (3, "Trần Văn Đức", "Chợ Kỳ Anh")]
    # 3 headers and 4 cells; the source names the encoding.
    assert (table.source.encoding, table.source.converted) == (name, 7)


def test_an_unknown_encoding_is_refused_with_how_to_save_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "sjis.csv"
    path.write_bytes(
        "Serial,Owner,Site\nA-1,東京商店,Chợ\n".replace("Chợ", "X").encode("shift_jis")
    )
    with pytest.raises(Invalid) as err:
        open_table(path)
    assert "CSV UTF-8 (Comma delimited)" in err.value.message
    assert "Lưu thành: CSV UTF-8 (Comma delimited)" in err.value.message_vi


def test_xlsx_cells_in_vntime_fonts_are_converted_and_counted(tmp_path: Path) -> None:
    rows = [
        scale_row("F-1", owner_name="NguyÔn ThÞ Lan", site_name="Chî Kú Anh"),
        scale_row("F-2", owner_name="Nguyeãn Thò Lan", site_name="Chợ Kỳ Anh"),
        scale_row("F-3", owner_name="Hoµng V¨n Nam", site_name="Chợ Kỳ Anh"),
    ]
    owner = "ABCDEFGHIJKLMNOP"[column("owner_name")]
    path = write_book(
        tmp_path / "fonts.xlsx",
        [("DS", matrix(rows), False)],
        # F-3's owner is in a .VnTime cell: converted by its font (the pattern alone would too).
        fonts=[(f"DS!{owner}5", ".VnTime")],
    )
    table = open_table(path)
    got = [(r.row, r.values["owner_name"], r.values["site_name"]) for r in table.rows]
    assert got == [
        (3, "Nguyễn Thị Lan", "Chợ Kỳ Anh"),
        (4, "Nguyễn Thị Lan", "Chợ Kỳ Anh"),
        (5, "Hoàng Văn Nam", "Chợ Kỳ Anh"),
    ]
    assert (table.source.converted, table.source.converted_from) == (4, ["tcvn3", "vni"])


def test_a_font_says_tcvn3_where_the_letters_alone_would_not(tmp_path: Path) -> None:
    # "Thá Sè" (Thỏ Số) has only letters Vietnamese Unicode uses too: the pattern leaves it,
    # the .VnTime font converts it; a .VnTimeH (capitals) font makes "hµ lª" read "HÀ LÊ".
    rows = [
        scale_row("G-1", owner_name="Thá Sè"),
        scale_row("G-2", owner_name="Thá Sè"),
        scale_row("G-3", owner_name="hµ lª"),
    ]
    owner = "ABCDEFGHIJKLMNOP"[column("owner_name")]
    fonts = [(f"DS!{owner}4", ".VnTime"), (f"DS!{owner}5", ".VnTimeH")]
    path = write_book(tmp_path / "font.xlsx", [("DS", matrix(rows), False)], fonts=fonts)
    table = open_table(path)
    assert [r.values["owner_name"] for r in table.rows] == ["Thá Sè", "Thỏ Số", "HÀ LÊ"]
    assert table.source.converted == 2


def test_an_import_of_tcvn3_names_finds_the_known_site_and_says_how_many_cells(
    db: Session, world: World, tmp_path: Path
) -> None:
    rows = [scale_row("K-1", owner_name="NguyÔn ThÞ Lan", site_name="Chî Kú Anh")]
    path = write_book(tmp_path / "tcvn3.xlsx", [("DS", matrix(rows), False)])
    report = import_file(db, ADMIN, path, today=TODAY)
    db.flush()
    assert (report.created, report.rejected, report.converted_cells) == (1, 0, 2)
    assert report.converted_from == ["tcvn3"]
    sites = db.exec(select(Site.name).where(col(Site.name).contains("Anh"))).all()
    assert sorted(set(sites)) == ["Chợ Kỳ Anh"]  # no "Chî Kú Anh" beside it
    notice = [w for w in report.warnings if "TCVN3" in w.reason_en]
    assert (
        notice[0].reason_en
        == "2 cells typed in old TCVN3 (ABC, .VnTime) fonts were converted to Unicode"
    )
    assert notice[0].reason_vi.startswith("2 ô gõ bằng phông chữ cũ TCVN3")


def test_a_repeated_legacy_text_is_converted_and_counted_every_time() -> None:
    # The converter remembers each distinct text's judgement; the count is still per cell.
    converter = Converter()
    tcvn3 = "NguyÔn ThÞ Lan"
    assert [converter.text(tcvn3) for _ in range(3)] == ["Nguyễn Thị Lan"] * 3
    assert converter.text("Nguyễn Thị Lan") == "Nguyễn Thị Lan"  # Unicode: left, not counted
    assert (converter.cells, converter.kinds) == (3, {"tcvn3"})
    # The same bytes under a font hint are judged under that hint, not from memory.
    hinted = converter.text("Chî", ("tcvn3", True))
    assert hinted == "CHỢ"
    assert converter.cells == 4
    # A long text is judged every time and not remembered: the memo stays small.
    remembered = len(converter._seen)
    long = " ".join([tcvn3] * 40)
    assert converter.text(long) == " ".join(["Nguyễn Thị Lan"] * 40)
    assert converter.text(long) == " ".join(["Nguyễn Thị Lan"] * 40)
    assert (converter.cells, len(converter._seen)) == (6, remembered)
