"""Comparing unit names across spellings, reading codes, suggesting the closest units."""

import pytest

from metrology_svc.units import rules


def test_names_compare_across_tone_marks_dashes_and_capitals() -> None:
    assert rules.toneless("Xã Thuận Hoà") == rules.toneless("Xã Thuận Hòa")
    assert rules.toneless("Phường Nguyễn Uý") == rules.toneless("phường nguyễn úy")
    assert rules.fold("Xã Chân Mây – Lăng Cô") == rules.fold("Xã Chân Mây - Lăng Cô")
    assert rules.fold("Phường  Đăk BLa") == rules.fold("Phường Đăk Bla")
    # Circumflex, breve and horn make other letters: they are kept.
    assert rules.toneless("Xã Sơn") != rules.toneless("Xã Sơn".replace("ơ", "o"))
    assert rules.plain("Phường Bắc Hà, TP. Hà Tĩnh") == "phuongbachatphatinh"


def test_a_name_index_prefers_the_exact_spelling() -> None:
    index = rules.NameIndex(
        [("20", "Xã Sa Pa", "1"), ("20", "Xã Sa Pả", "2"), ("08", "Xã Thuận Hoà", "3")]
    )
    assert (index.find("20", "xã sa pả"), index.find("20", "Xã Sa Pa")) == ("2", "1")
    assert index.find("08", "Xã Thuận Hòa") == "3"  # only one without tone marks
    assert index.find("20", "Xã Sà Pa") is None  # two without tone marks: no guess
    assert index.find("42", "Xã Thuận Hoà") is None


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("18073", (None, "18073")),
        (" 2004:436 ", ("2004", "436")),
        ("2004 : 18077", ("2004", "18077")),
        ("1", (None, "1")),
        ("180730", None),
        ("Phường Bắc Hà", None),
        ("2004:", None),
    ],
)
def test_codes_are_told_from_addresses(text: str, parts: tuple[str | None, str] | None) -> None:
    assert rules.split_code(text) == parts


def test_suggestions_by_code_or_by_name_at_most_five() -> None:
    labels = {f"2025:{20000 + i}": f"Xã Thử {i}" for i in range(100)}
    labels |= {"2004:18077": "Phường Bắc Hà", "2025:18073": "Phường Thành Sen"}
    assert len(rules.closest("20050", labels)) == rules.MAX_MATCHES
    near = rules.closest("18078", labels)
    assert {k for k, _label in near[:2]} == {"2004:18077", "2025:18073"}
    by_name = rules.closest("12 Lê Lợi, Phuong Thanh Sen, Ha Tinh", labels)
    assert by_name[0] == ("2025:18073", "Phường Thành Sen")
    assert rules.closest("", labels) == []
    assert rules.closest("zzzzzzzz", labels) == []
