"""Row parsing: every rejection reason, with its row and column, and the values read."""

import pickle
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.core.quantities import Convention
from metrology_svc.imports.cells import parse_date
from metrology_svc.imports.columns import match_headers
from metrology_svc.imports.numbers import parsers_for
from metrology_svc.imports.rules import (
    OwnerIn,
    ParsedRow,
    RowError,
    SiteIn,
    parse_row,
    type_lookup,
)
from tests.metrology_svc.imports.support import VI, scale_row

HEADER = match_headers(
    [*list(VI.values()), "Số vòi", "Thư điện tử", "Ngôn ngữ", "Vai trò", "Năm sản xuất"]
)
TYPES = type_lookup(
    [
        ("scale_spring_dial", "Cân đồng hồ lò xo", "Spring dial scale"),
        ("fuel_dispenser", "Cột đo xăng dầu", "Fuel dispenser"),
    ]
)


PARSERS = parsers_for(HEADER, Convention.VI)


def parse(**over: str) -> ParsedRow | list[RowError]:
    return parse_row(scale_row(**over), row=7, header=HEADER, types=TYPES, parsers=PARSERS)


def errors_of(**over: str) -> list[tuple[int, str, str]]:
    result = parse(**over)
    assert isinstance(result, list), result
    return [(e.row, e.column, e.reason_en) for e in result]


def test_a_good_row_is_parsed_with_type_by_name() -> None:
    row = parse()
    assert isinstance(row, ParsedRow)
    assert row.fields["type_code"] == "scale_spring_dial"
    assert row.fields["max_g"] == 15000.0
    # Dates are kept apart: the verification date becomes a record, the due date only compared.
    assert (row.verified_on, row.listed_due) == (date(2025, 3, 15), date(2027, 3, 15))
    assert not {"due_date", "last_verified_on", "status"} & set(row.fields)
    assert row.identity_key == "scale_spring_dial|nhơn hòa|lx-0001"
    assert row.site.kind == "market"
    assert row.owner.key() == ("phone", "0912345678", "nguyen thi hoa")


@pytest.mark.parametrize("name", ["scale_spring_dial", "SPRING DIAL SCALE", " cân đồng hồ  lò xo"])
def test_type_by_code_or_either_name(name: str) -> None:
    row = parse(type=name)
    assert isinstance(row, ParsedRow)
    assert row.fields["type_code"] == "scale_spring_dial"


@pytest.mark.parametrize(
    ("over", "column", "reason"),
    [
        ({"type": "Cân vàng"}, "Loại phương tiện đo", "Unknown type"),
        ({"serial": ""}, "Số sản xuất", "Required value missing"),
        ({"serial": "X" * 65}, "Số sản xuất", "Longer than 64 characters"),
        ({"manufacturer": " "}, "Nơi sản xuất", "Required value missing"),
        ({"owner_name": ""}, "Chủ sở hữu", "Required value missing"),
        ({"site_name": ""}, "Địa điểm", "Required value missing"),
        ({"unit_code": ""}, "Mã đơn vị hành chính", "Required value missing"),
        ({"max_g": "mười lăm"}, "Max (g)", "is not a number"),
        ({"max_g": "30,000"}, "Max (g)", "could be 30\u00a0000 g"),
        ({"e_g": "1.5"}, "e (g)", "is written the English way"),
        ({"e_g": "5 L"}, "e (g)", "L cannot be converted to g"),
        ({"e_g": "NaN"}, "e (g)", "is not a finite number"),
        ({"manufactured_year": "2021,5"}, "Năm sản xuất", "Must be a whole number 1900–2100"),
        ({"e_g": "0"}, "e (g)", "Must be greater than 0"),
        ({"e_g": "-5"}, "e (g)", "Must be greater than 0"),
        ({"nozzles": "2,5"}, "Số vòi", "Must be a whole number 1–16"),
        ({"nozzles": "20"}, "Số vòi", "Must be a whole number 1–16"),
        (
            {"last_verified_on": "hôm qua"},
            "Ngày kiểm định",
            "Invalid date (dd/mm/yyyy or yyyy-mm-dd)",
        ),
        ({"site_kind": "siêu thị"}, "Loại địa điểm", "Unknown site kind"),
        ({"owner_phone": "12ab"}, "Điện thoại", "Invalid phone number"),
        ({"owner_tax_code": "123"}, "Mã số thuế", "Invalid tax code"),
        ({"owner_email": "hoa@"}, "Thư điện tử", "Invalid e-mail address"),
        ({"owner_language": "fr"}, "Ngôn ngữ", "Unknown language (vi/en)"),
        ({"role": "bán lẻ"}, "Vai trò", "Unknown role (trade/control)"),
    ],
)
def test_each_rejection_names_row_column_and_reason(
    over: dict[str, str], column: str, reason: str
) -> None:
    ((row, named, why),) = errors_of(**over)
    assert (row, named) == (7, column)
    assert reason in why


def test_every_error_of_a_row_is_reported_at_once() -> None:
    found = errors_of(serial="", max_g="x", last_verified_on="?")
    assert {c for _, c, _ in found} == {"Số sản xuất", "Max (g)", "Ngày kiểm định"}


def test_a_bad_due_date_is_only_a_warning_and_a_late_verification_date_is_not_an_error() -> None:
    row = parse(due_date="31/02/2027", last_verified_on="16/03/2027")
    assert isinstance(row, ParsedRow)
    assert row.listed_due is None
    ((warning),) = row.warnings
    assert (warning.column, warning.value) == ("Hạn kiểm định", "31/02/2027")
    assert warning.reason_en.endswith("; this column is not used")


def test_reasons_come_in_vietnamese_too() -> None:
    result = parse(e_g="0")
    assert isinstance(result, list)
    assert result[0].reason_vi == "Phải lớn hơn 0"
    assert result[0].value == "0"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("05/03/2027", date(2027, 3, 5)),
        ("5-3-2027", date(2027, 3, 5)),
        ("2027-03-05", date(2027, 3, 5)),
    ],
)
def test_dates_dd_mm_yyyy_or_iso(text: str, value: date) -> None:
    assert parse_date(text) == value


def test_vietnamese_enum_words_are_read() -> None:
    row = parse(site_kind="Cửa hàng xăng dầu", role="đối chứng")
    assert isinstance(row, ParsedRow)
    assert row.site.kind == "fuel_station"
    assert row.fields["role"] == "control"


@pytest.mark.parametrize("words", ["Cửa hàng vàng bạc", "tiệm vàng", "gold shop", "gold_shop"])
def test_a_gold_shop_is_read_in_either_language(words: str) -> None:
    row = parse(site_kind=words)
    assert isinstance(row, ParsedRow)
    assert row.site.kind == "gold_shop"


def test_a_parsed_row_pickles_with_every_field() -> None:
    # The CSV parsing process sends rows pickled (imports.parse_worker): each comes back whole.
    warning = RowError(4, "Hạn kiểm định", "ngày sai", "bad date", "31/02", "dd/mm/yyyy", "dd/mm")
    owner = OwnerIn("Lan", "Hoa", "0101", "0912", "a@b.vn", "vi", "household", "001")
    row = ParsedRow(
        row=9,
        identity_key="k",
        loose_key="l",
        fields={"max_g": 15000.0, "manufactured_year": 2021},
        owner=owner,
        site=SiteIn("18073", "Chợ Kỳ Anh", "market", "Thôn 5"),
        verified_on=date(2025, 3, 15),
        listed_due=date(2027, 3, 15),
        result="fail",
        warnings=[warning],
    )
    sent = pickle.dumps([row, [warning]], protocol=pickle.HIGHEST_PROTOCOL)
    again = pickle.loads(sent)  # noqa: S301  (bytes made just above)
    assert again == [row, [warning]]
    assert type(again[0].owner) is OwnerIn
    assert again[0].owner.key() == ("tax", "0101")


texts = st.none() | st.text(max_size=20)


@given(st.builds(OwnerIn, st.text(max_size=20), texts, texts, texts, texts, texts, texts, texts))
def test_an_owner_pickles_as_it_is(owner: OwnerIn) -> None:
    assert pickle.loads(pickle.dumps(owner)) == owner  # noqa: S301  (bytes made here)
