"""The issuing body by level: names, heading lines, symbol, place and date (Decree 30/2020)."""

from metrology_svc.core.issuer import (
    Place,
    commune_body,
    document_date,
    place_of,
    province_body,
    symbol_of,
)
from metrology_svc.settings import Settings

HA_TINH = place_of("tỉnh", "Tỉnh Hà Tĩnh")


def test_places_are_written_with_their_type_in_lower_case() -> None:
    assert place_of("phường", "Phường Sông Trí") == Place("Sông Trí", "phường Sông Trí")
    assert place_of("xã", "Xã Can Lộc").full == "xã Can Lộc"
    assert place_of("đặc khu", "Đặc khu Phú Quốc").full == "đặc khu Phú Quốc"
    assert place_of("thành phố trung ương", "Thành phố Hà Nội").full == "thành phố Hà Nội"
    assert place_of("tỉnh", "Hà Tĩnh") == Place("Hà Tĩnh", "tỉnh Hà Tĩnh")  # a bare name
    assert place_of("", "Chợ Kỳ Anh").full == "Chợ Kỳ Anh"  # no type: as it is


def test_a_commune_issues_in_the_name_of_its_peoples_committee() -> None:
    settings = Settings()
    for kind, name, expected in [
        ("xã", "Xã Can Lộc", "Ủy ban nhân dân xã Can Lộc"),
        ("phường", "Phường Sông Trí", "Ủy ban nhân dân phường Sông Trí"),
        ("đặc khu", "Đặc khu Phú Quốc", "Ủy ban nhân dân đặc khu Phú Quốc"),
    ]:
        body = commune_body(settings, place_of(kind, name), HA_TINH)
        assert body.name == expected
        assert body.level == "commune"
        assert body.heading == ("ỦY BAN NHÂN DÂN", expected.split(" ", 4)[4].upper())
        assert body.symbol == "UBND"
        assert body.reports_to == "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"
    assert commune_body(settings, place_of("xã", "Xã Can Lộc"), None).name_en == (
        "People's Committee of xã Can Lộc"
    )


def test_a_province_issues_through_its_department_under_its_committee() -> None:
    body = province_body(Settings(), HA_TINH)
    assert body.name == "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"
    assert body.heading == ("UBND TỈNH HÀ TĨNH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    assert (body.symbol, body.place, body.signer) == ("SKHCN", "Hà Tĩnh", ("GIÁM ĐỐC",))
    assert body.reports_to == "UBND tỉnh Hà Tĩnh"


def test_the_words_are_settings() -> None:
    settings = Settings(
        issuing_body_province="Chi cục Tiêu chuẩn Đo lường Chất lượng",
        issuing_body_province_parent="Sở Khoa học và Công nghệ {place}",
        issuing_body_commune="UBND {place}",
    )
    body = province_body(settings, HA_TINH)
    assert body.heading == (
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH HÀ TĨNH",
        "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG",
    )
    assert body.symbol == "CCTCĐLCL"
    commune = commune_body(settings, place_of("phường", "Phường Sông Trí"), HA_TINH)
    assert (commune.name, commune.heading) == ("UBND phường Sông Trí", ("UBND", "PHƯỜNG SÔNG TRÍ"))


def test_symbols_keep_the_stroke_of_d() -> None:
    assert symbol_of("Tiêu chuẩn Đo lường Chất lượng") == "TCĐLCL"
    assert symbol_of("Ủy ban nhân dân {place}") == "UBND"


def test_dates_have_a_zero_before_days_under_10_and_months_1_and_2_only() -> None:
    assert document_date("Hà Tĩnh", 2026, 12, 4) == "Hà Tĩnh, ngày 04 tháng 12 năm 2026"
    assert document_date("Hà Tĩnh", 2027, 1, 15) == "Hà Tĩnh, ngày 15 tháng 01 năm 2027"
    assert document_date("Sông Trí", 2027, 2, 28) == "Sông Trí, ngày 28 tháng 02 năm 2027"
    assert document_date("Sông Trí", 2027, 3, 9) == "Sông Trí, ngày 09 tháng 3 năm 2027"
