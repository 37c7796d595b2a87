"""Property tests of a log line's checks, its identity, and the sheet's time and header readers."""

from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from metrology_svc.control_logs import rules, sheet
from metrology_svc.core.quantities import KG

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
SET_UP = datetime(2026, 6, 1, tzinfo=UTC)
masses = st.decimals(allow_nan=True, allow_infinity=True, places=2)
moments = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


def _line(declared: Decimal, measured: Decimal, at: datetime, seller: str = "A-12") -> rules.LineIn:
    return rules.LineIn(1, at, seller, "cá", declared, measured)


@settings(max_examples=300)
@given(declared=masses, measured=masses, at=moments)
def test_a_line_passes_only_when_every_number_is_sane(
    declared: Decimal, measured: Decimal, at: datetime
) -> None:
    found = {
        p.field for p in rules.problems(_line(declared, measured, at), set_up_at=SET_UP, now=NOW)
    }

    def sane(m: Decimal) -> bool:
        return m.is_finite() and 0 < m <= 1_000_000 and m % Decimal("0.1") == 0

    assert ("declared_g" in found) is not sane(declared)
    assert ("measured_g" in found) is not sane(measured)
    assert ("measured_at" in found) is not (SET_UP <= at <= NOW)


@given(seller=st.text(max_size=40))
def test_sellers_are_the_protocols_stall_labels(seller: str) -> None:
    found = rules.problems(
        _line(Decimal(1000), Decimal(990), NOW, seller), set_up_at=SET_UP, now=NOW
    )
    printable = 1 <= len(seller) <= 32 and all(ord(ch) >= 0x20 and ord(ch) != 0x7F for ch in seller)
    assert (not found) is printable


@given(at=moments, shift=st.integers(-14, 14), seller=st.sampled_from(["A-12", "a-12", " A-12 "]))
def test_the_identity_ignores_how_the_line_was_written(
    at: datetime, shift: int, seller: str
) -> None:
    elsewhere = at.astimezone(timezone(timedelta(hours=shift)))  # the same instant
    one = _line(Decimal("1000"), Decimal("900.0"), at)
    two = rules.LineIn(1, elsewhere, seller.strip(), "", Decimal("1E+3"), Decimal("900"))
    assert rules.identity(5, one) == rules.identity(5, two)
    assert rules.identity(5, one) != rules.identity(6, one)
    later = rules.LineIn(1, at + timedelta(minutes=1), "A-12", "", Decimal(1000), Decimal(900))
    assert rules.identity(5, one) != rules.identity(5, later)


@given(hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_times_are_read_as_written_or_as_a_workbook_fraction(hour: int, minute: int) -> None:
    expected = time(hour, minute)
    for text in (f"{hour}:{minute:02d}", f"{hour:02d}h{minute:02d}", f"{hour}.{minute:02d}"):
        assert sheet.read_time(text) == expected
    assert sheet.read_time((hour * 60 + minute) / 1440) == expected


def test_headers_name_columns_and_their_units() -> None:
    header = sheet.match_header(
        ["STT", "Ngày", "Giờ", "Quầy", "Mặt hàng", "KL bán (kg)", "KL cân lại (g)", "Ghi chú"], 2
    )
    assert header is not None
    assert header.positions == {"date": 1, "time": 2, "seller": 3, "goods": 4, "declared": 5,
                                "measured": 6, "note": 7}  # fmt: skip
    assert header.units["declared"] == KG
    assert sheet.match_header(["Ngày", "Giờ", "Người bán"], 1) is None


def test_goods_map_to_the_protocols_categories() -> None:
    assert rules.category_of("Thịt lợn") == "thit_lon"
    assert rules.category_of("ca") == "ca"
    assert rules.category_of("bánh chưng") == "khac"
