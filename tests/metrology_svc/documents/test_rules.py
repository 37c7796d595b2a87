"""The number and date lines of Decree 30/2020/NĐ-CP, and legal bases with number, date, issuer."""

from datetime import date

from metrology_svc.documents.rules import (
    LegalBasis,
    basis_line,
    date_line,
    decree_date,
    number_text,
    short_date,
    signer_words,
)


def test_the_number_joins_the_type_and_the_issuer() -> None:
    assert number_text(number=12, doc_type="TB", issuer="SKHCN") == "Số: 12/TB-SKHCN"
    assert number_text(number=3, doc_type="BC", issuer="UBND", language="en") == "No.: 3/BC-UBND"


def test_a_zero_goes_before_days_under_10_and_months_1_and_2_only() -> None:
    assert decree_date(date(2026, 12, 4)) == "ngày 04 tháng 12 năm 2026"
    assert decree_date(date(2026, 3, 5)) == "ngày 05 tháng 3 năm 2026"
    assert decree_date(date(2013, 2, 26)) == "ngày 26 tháng 02 năm 2013"
    assert decree_date(date(2027, 1, 10)) == "ngày 10 tháng 01 năm 2027"
    assert decree_date(date(2011, 11, 11)) == "ngày 11 tháng 11 năm 2011"


def test_the_date_line_names_the_place() -> None:
    assert date_line(place="Hà Tĩnh", day=date(2026, 3, 5)) == "Hà Tĩnh, ngày 05 tháng 3 năm 2026"
    assert date_line(place="Hà Tĩnh", day=date(2026, 3, 5), language="en") == (
        "Hà Tĩnh, 5 March 2026"
    )
    assert short_date(date(2026, 3, 5)) == "05/03/2026"


def test_a_legal_basis_carries_number_date_and_issuer() -> None:
    law = LegalBasis(
        "Luật Đo lường", "the Law on Metrology", "04/2011/QH13", date(2011, 11, 11),
        "Quốc hội", "National Assembly",
    )  # fmt: skip
    assert basis_line(law) == (
        "Căn cứ Luật Đo lường số 04/2011/QH13 ngày 11 tháng 11 năm 2011 của Quốc hội;"
    )
    assert basis_line(law, language="en") == (
        "Having regard to the Law on Metrology No. 04/2011/QH13 of 11 November 2011 of the "
        "National Assembly;"
    )


def test_the_signature_block_is_translated_word_for_word_or_kept() -> None:
    assert signer_words("KT. GIÁM ĐỐC", language="en") == "FOR THE DIRECTOR"
    assert signer_words("TM. ỦY BAN NHÂN DÂN", language="en") == (
        "ON BEHALF OF THE PEOPLE'S COMMITTEE"
    )
    assert signer_words("TRƯỞNG PHÒNG", language="en") == "TRƯỞNG PHÒNG"
    assert signer_words("KT. GIÁM ĐỐC", language="vi") == "KT. GIÁM ĐỐC"
