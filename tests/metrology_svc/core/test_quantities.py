"""The quantity parser: worked examples, refusals with both readings, and its properties."""

import itertools
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.core.quantities import (
    DECIMAL_UNITS,
    KG,
    L_PER_MIN,
    MG,
    ML,
    Convention,
    G,
    L,
    Quantity,
    QuantityError,
    T,
    Unit,
    convention_of,
    format_quantity,
    parse_as,
    parse_number,
    parse_quantity,
    to_unit,
)

VI, EN = Convention.VI, Convention.EN
UNITS = [MG, G, KG, T, ML, L, L_PER_MIN]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("15.000", "15000", None),
        ("1,5", "1.5", None),
        ("1.000.000,5", "1000000.5", None),
        ("15 000", "15000", None),
        ("15\u00a0000", "15000", None),
        ("15\u202f000,25", "15000.25", None),
        ("1.500", "1500", None),
        ("0,500", "0.5", None),
        (",5", "0.5", None),
        ("007", "7", None),
        ("-5", "-5", None),
        ("−2,5", "-2.5", None),
        ("+5", "5", None),
        ("15 kg", "15", KG),
        ("15kg", "15", KG),
        ("15 KG", "15", KG),
        ("500 g", "500", G),
        ("1,5 kg", "1.5", KG),
        ("15,000 kg", "15", KG),
        ("15,080 kg", "15.08", KG),
        ("1.500.000 kg", "1500000", KG),
        ("20 L", "20", L),
        ("20 l", "20", L),
        ("20 lít", "20", L),
        ("20 Lít", "20", L),
        (unicodedata.normalize("NFD", "20 lít"), "20", L),
        ("20 lit", "20", L),
        ("500 mL", "500", ML),
        ("500 ml", "500", ML),
        ("250 mg", "250", MG),
        ("2 tấn", "2", T),
        ("2 t", "2", T),
        ("40 L/min", "40", L_PER_MIN),
        ("40 lít/phút", "40", L_PER_MIN),
    ],
)
def test_vietnamese_worked_examples(text: str, value: str, unit: Unit | None) -> None:
    assert parse_quantity(text) == Quantity(Decimal(value), unit)


@pytest.mark.parametrize(
    ("text", "value"),
    [("15,000", "15000"), ("1.5", "1.5"), ("1,234,567.25", "1234567.25"), ("15 000.5", "15000.5")],
)
def test_english_worked_examples(text: str, value: str) -> None:
    assert parse_number(text, convention=EN) == Decimal(value)


def _refusal(text: str, **kwargs: object) -> QuantityError:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_fifteen_point_zero_zero_zero_kg_is_refused_with_both_readings() -> None:
    err = _refusal("15.000 kg")
    assert err.readings == (Decimal(15000), Decimal(15))
    assert "15\u00a0000 kg" in err.vi
    assert "15 kg" in err.vi
    assert "15\u00a0000 kg" in err.en
    assert "15 kg" in err.en
    assert "Không đoán" in err.vi
    assert "Not guessed" in err.en


def test_a_kilogram_field_refuses_the_display_shape_typed_without_a_unit() -> None:
    err = _refusal("15.080", unit=KG)
    assert set(err.readings) == {Decimal(15080), Decimal("15.08")}
    assert parse_as("15,080", unit=KG) == Decimal("15.08")
    assert parse_as("15", unit=KG) == 15
    assert parse_as("15 000", unit=KG) == 15000


def test_a_gram_field_or_a_plain_number_refuses_a_comma_with_three_digits() -> None:
    # "30,000" in a column of grams is as likely English for thirty thousand as thirty.
    err = _refusal("30,000")
    assert set(err.readings) == {Decimal(30), Decimal(30000)}
    assert set(_refusal("1,500 g").readings) == {Decimal("1.5"), Decimal(1500)}
    assert parse_as("0,005", unit=G) == Decimal("0.005")  # no thousands reading: accepted


def test_values_copied_from_a_display_expect_three_decimals_in_any_unit() -> None:
    assert parse_quantity("200,050", unit=G, from_display=True).value == Decimal("200.05")
    assert set(_refusal("200.050", unit=G, from_display=True).readings) == {
        Decimal("200.05"),
        Decimal(200050),
    }


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("1.5", "1.5"),
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
    ],
)
def test_english_writing_under_the_vietnamese_convention_is_refused_naming_it(
    text: str, reading: str
) -> None:
    err = _refusal(text)
    assert err.readings == (Decimal(reading),)
    assert "kiểu Anh" in err.vi
    assert "the English way" in err.en
    assert parse_number(format_quantity(Decimal(reading), None, convention=VI)) == Decimal(reading)


def test_vietnamese_writing_under_the_english_convention_is_refused_naming_it() -> None:
    err = _refusal("1,5", convention=EN)
    assert err.readings == (Decimal("1.5"),)
    assert "If you mean 1.5" in err.en
    assert _refusal("1.000.000", convention=EN).readings == (Decimal(1000000),)


@pytest.mark.parametrize(
    "text",
    [
        "", "  ", "NaN", "nan", "inf", "-inf", "+Infinity", "-Infinity", "∞", "1e3", "1E+06",
        "2,5e-3 kg", "5-", "--5", "- 5", "5+3", "1.000 000", "1.5.5", "15.", "15,", "1,2,3",
        "15  000", "15 00", "0.500.000", "١٢", "１５", "5²", "abc", "15 lb", "kg", "15 kg g",
        "12345678901234567", "1 000 000 000 000", "0,0000000001", "1" * 65,
    ],
)  # fmt: skip
def test_refusals(text: str) -> None:
    err = _refusal(text)
    assert err.vi
    assert err.en
    assert err.vi != err.en
    assert str(err) == err.en
    assert isinstance(err, ValueError)


def test_work_is_bounded_for_a_huge_text() -> None:
    assert "64" in _refusal("9" * 10_000_000).en


def test_conversions_are_exact() -> None:
    assert parse_as("1,5 kg", unit=G) == Decimal(1500)
    assert parse_as("500 mg", unit=G) == Decimal("0.5")
    assert parse_as("2 tấn", unit=KG) == Decimal(2000)
    assert parse_as("20 L", unit=ML) == Decimal(20000)
    assert parse_as("0,000000001 kg", unit=MG) == Decimal("0.001")
    assert parse_as("123.456.789.012,345", unit=G) == Decimal("123456789012.345")
    assert to_unit(Quantity(Decimal("0.1"), KG), G) == Decimal(100)
    assert str(parse_as("15 kg", unit=G)) == "15000"  # not 1.5E+4
    assert str(parse_as("1,5 kg", unit=G)) == "1500"
    assert str(parse_as("1,2345 kg", unit=G)) == "1234.5"


def test_a_unit_of_another_kind_or_none_is_refused() -> None:
    with pytest.raises(QuantityError, match="different kind"):
        parse_as("20 L", unit=G)
    with pytest.raises(QuantityError, match="unit"):
        to_unit(Quantity(Decimal(1), None), G)
    with pytest.raises(QuantityError, match="plain number"):
        parse_number("15 kg")
    with pytest.raises(QuantityError, match="finite"):
        to_unit(Quantity(Decimal("Infinity"), KG), G)
    with pytest.raises(QuantityError, match="too many digits"):
        to_unit(Quantity(Decimal("1." + "1" * 40), KG), G)


def test_format_examples() -> None:
    assert format_quantity(Decimal(15000), KG, convention=VI) == "15\u00a0000 kg"
    assert format_quantity(Decimal("1000000.5"), None, convention=VI) == "1\u00a0000\u00a0000,5"
    assert format_quantity(Decimal("1000000.5"), None, convention=EN) == "1\u00a0000\u00a0000.5"
    assert format_quantity(Decimal("1500"), G, convention=VI) == "1500 g"
    assert format_quantity(Decimal("15.080"), KG, convention=VI) == "15,080 kg"
    assert format_quantity(Decimal("1.234"), G, convention=VI) == "1,2340 g"  # not 1,234
    assert format_quantity(Decimal("-2.5"), None, convention=VI) == "-2,5"
    with pytest.raises(QuantityError):
        format_quantity(Decimal("NaN"), None, convention=VI)


def test_the_convention_of_a_file_follows_its_unambiguous_cells() -> None:
    assert convention_of(["1,5", "2.000.000", "15.000"]) is VI
    assert convention_of(["1.5", "1,234,567", "15,000"]) is EN
    assert convention_of(["15.000", "30,000", "abc"]) is VI  # no evidence: the default
    assert convention_of(["15,000"], default=EN) is EN
    with pytest.raises(QuantityError, match="both ways"):
        convention_of(["1,5", "1.5"])


# --- properties ------------------------------------------------------------------------------


def _decimal(sign: int, digits: str, exp: int) -> Decimal:
    return Decimal((sign, tuple(int(c) for c in digits), exp))


supported = st.builds(
    _decimal,
    st.integers(0, 1),
    st.integers(1, 15).flatmap(lambda n: st.integers(0, 10**n - 1)).map(str),
    st.integers(-9, 11),
).filter(lambda d: abs(d) < Decimal(10) ** 12)
units = st.sampled_from([None, *UNITS])
conventions = st.sampled_from(list(Convention))


@given(value=supported, unit=units, convention=conventions, display=st.booleans())
def test_every_formatted_value_reads_back_the_same(
    value: Decimal, unit: Unit | None, convention: Convention, display: bool
) -> None:
    text = format_quantity(value, unit, convention=convention)
    back = parse_quantity(text, convention=convention, from_display=display)
    assert back.value == value
    assert back.unit == unit
    if unit is not None:  # also typed without its unit into a field of that unit
        bare = text.removesuffix(" " + unit.symbol)
        assert parse_as(bare, unit=unit, convention=convention) == value


def _check_any(text: str, unit: Unit | None, convention: Convention) -> None:
    outcome: Quantity | QuantityError
    try:
        outcome = parse_quantity(text, convention=convention, unit=unit)
    except QuantityError as err:
        outcome = err
    if isinstance(outcome, QuantityError):
        assert outcome.vi
        assert outcome.en
        assert all(r.is_finite() for r in outcome.readings)
    else:
        assert outcome.value.is_finite()
        assert abs(outcome.value) < Decimal(10) ** 12


@given(text=st.text(max_size=80), unit=units, convention=conventions)
def test_any_text_is_a_finite_value_or_a_quantity_error(
    text: str, unit: Unit | None, convention: Convention
) -> None:
    _check_any(text, unit, convention)


NUMBERISH = "0123456789.,  \u00a0-+−eEkgmLlíttấnINFnaf∞/"


@given(text=st.text(alphabet=NUMBERISH, max_size=24), unit=units, convention=conventions)
def test_number_like_text_is_a_finite_value_or_a_quantity_error(
    text: str, unit: Unit | None, convention: Convention
) -> None:
    _check_any(text, unit, convention)


def _reading(text: str, convention: Convention, unit: Unit | None, display: bool) -> Decimal | None:
    try:
        return parse_quantity(text, convention=convention, unit=unit, from_display=display).value
    except QuantityError:
        return None


@pytest.mark.parametrize(("unit", "display"), [(None, False), (KG, False), (G, True)])
def test_no_text_is_read_as_two_values_by_the_two_conventions(
    unit: Unit | None, display: bool
) -> None:
    # Every text of up to 6 characters over two digits, both marks and a space: where both
    # conventions accept a text, they agree; so choosing the wrong one never changes a value.
    for size in range(1, 7):
        for chars in itertools.product("01., ", repeat=size):
            text = "".join(chars)
            vi, en = (_reading(text, c, unit, display) for c in Convention)
            if vi is not None and en is not None:
                assert vi == en, text


def test_decimal_units_are_the_thousandfold_ones() -> None:
    assert {u.symbol for u in DECIMAL_UNITS} == {"kg", "L", "t"}
