"""Number cells as offices write them: units from the header or the cell, conventions, refusals."""

import pytest

from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import KG, L_PER_MIN, Convention, G, L, T, Unit
from metrology_svc.imports.cells import Bad, Cell
from metrology_svc.imports.columns import match_headers
from metrology_svc.imports.numbers import NumberWay, Restart, exact, quantity, whole

VI, EN = Convention.VI, Convention.EN
HEADER = match_headers(["Type", "Serial", "Manufacturer", "Owner", "Site", "Unit code", "e (g)"])


def read(cell: Cell, *, written: Unit | None = G, stored: Unit = G, way: Convention = VI) -> float:
    value: float = quantity(stored=stored, written=written, convention=way)(cell)
    return value


def refusal(cell: Cell, **kw: object) -> Bad:
    with pytest.raises(Bad) as err:
        read(cell, **kw)  # type: ignore[arg-type]
    return err.value


@pytest.mark.parametrize(
    ("text", "written", "grams"),
    [
        ("15.000", G, 15000),  # a thousands group in a g column
        ("1.500", G, 1500),  # the old reader took this for 1.5
        ("1.000.000", G, 1_000_000),
        ("15000", G, 15000),
        ("15 000", G, 15000),
        ("1,5", G, 1.5),
        ("15 kg", G, 15000),  # a value with its own unit wins over the header's
        ("30kg", G, 30000),
        ("1,5 tấn", G, 1_500_000),
        ("500 mg", G, 0.5),
        ("15", KG, 15000),  # "Max (kg)": a bare number is in kg
        ("1,5", KG, 1500),
        ("30,000", KG, 30000),  # three decimals are customary for kg
        ("15 kg", None, 15000),  # "Max": the cell names its unit
    ],
)
def test_vietnamese_texts_in_a_mass_column(text: str, written: Unit | None, grams: float) -> None:
    assert read(text, written=written) == grams


@pytest.mark.parametrize(
    ("text", "written", "readings"),
    [
        ("30,000", G, ("30\u00a0000 g", "30 g")),  # thousands or three decimals?
        ("15.000", KG, ("15\u00a0000 kg", "15 kg")),
        ("15.000 kg", G, ("15\u00a0000 kg", "15 kg")),
    ],
)
def test_an_ambiguous_cell_is_refused_with_both_readings(
    text: str, written: Unit, readings: tuple[str, str]
) -> None:
    bad = refusal(text, written=written)
    for shown in readings:
        assert shown in bad.en
        assert shown in bad.vi
    assert "Not guessed" in bad.en
    assert "Không đoán" in bad.vi


@pytest.mark.parametrize(
    ("text", "grams"), [("30,000", 30000), ("1.5", 1.5), ("1,500,000", 1_500_000)]
)
def test_english_texts_when_the_file_is_english(text: str, grams: float) -> None:
    assert read(text, way=EN) == grams


@pytest.mark.parametrize(
    ("cell", "kw", "reason"),
    [
        ("1.5", {}, "written the English way"),
        ("1,5", {"way": EN}, "written the Vietnamese way"),
        ("15", {"written": None}, "The column header names no unit"),
        ("2 L", {}, "L cannot be converted to g"),
        ("5 L/min", {"stored": L, "written": L}, "cannot be converted"),
        ("0", {}, "Must be greater than 0"),
        ("-1,5", {}, "Must be greater than 0"),
        ("inf", {}, "not a finite number"),
        ("1e3", {}, "exponent notation"),
        ("15 lb", {}, "Unknown unit"),
        (float("nan"), {}, "not a finite number"),
        (float("inf"), {}, "not a finite number"),
        (1e15, {}, "too large"),
        (1e-12, {}, "too many digits"),
        (15000, {"written": None}, "The column header names no unit"),
    ],
)
def test_refusals_say_why_in_both_languages(cell: Cell, kw: dict[str, object], reason: str) -> None:
    bad = refusal(cell, **kw)
    assert reason in bad.en
    assert bad.vi
    assert bad.vi != bad.en


@pytest.mark.parametrize(
    ("cell", "written", "stored", "value"),
    [
        (15000, G, G, 15000),
        (0.5, G, G, 0.5),  # never "0.5" parsed as text (the Vietnamese reader refuses it)
        (1.5, KG, G, 1500),
        (0.1 + 0.2, G, G, 0.3),  # as Excel shows it: 15 significant digits
        (1.5, T, G, 1_500_000),
        (40, L_PER_MIN, L_PER_MIN, 40),
    ],
)
def test_number_cells_are_exact_and_take_the_header_unit(
    cell: float, written: Unit, stored: Unit, value: float
) -> None:
    assert read(cell, written=written, stored=stored) == value


def test_whole_numbers() -> None:
    year = whole(1900, 2100, convention=VI)
    assert (year("2021"), year(2021), year(2021.0), year("2.021")) == (2021, 2021, 2021, 2021)
    for cell in ("2021,5", 2021.5, "2021 kg", "1899", float("nan")):
        with pytest.raises(Bad):
            year(cell)
    assert str(exact(0.1)) == "0.1"


def rows(*cells: str) -> list[tuple[int, dict[str, Cell]]]:
    return [(n, {"e_g": c}) for n, c in enumerate(cells, start=2)]


def test_the_convention_is_the_option_when_given() -> None:
    way = NumberWay(given=EN)
    way.see(rows("1,5", "1.5"), HEADER)  # cells are judged one by one instead
    assert (way.convention, way.source) == (EN, "option")


def test_the_file_shows_its_convention_or_vietnamese_is_the_default() -> None:
    way = NumberWay()
    way.see(rows("15000", "15.000"), HEADER)
    assert (way.convention, way.source) == (VI, "default")
    way.see(rows("1,5"), HEADER)
    assert (way.convention, way.source) == (VI, "file")
    english = NumberWay()
    english.see(rows("12", "2.5"), HEADER)
    assert (english.convention, english.source, english.first[EN]) == (
        EN,
        "file",
        (3, "e (g)", "2.5"),
    )


def test_a_file_that_writes_numbers_both_ways_is_refused() -> None:
    way = NumberWay()
    way.see(rows("1,5"), HEADER)
    with pytest.raises(Invalid) as err:
        way.see(rows("7", "2.5"), HEADER)
    assert "“1,5” the Vietnamese way, “2.5” the English way" in err.value.message
    assert "(row 2, e (g); row 3, e (g))" in err.value.message
    assert err.value.message_vi.startswith("Số được viết lẫn hai kiểu")


def test_english_found_after_undecided_cells_restarts_the_reading() -> None:
    way = NumberWay()
    way.see(rows("15.000"), HEADER)  # read the Vietnamese way, provisionally
    with pytest.raises(Restart) as restart:
        way.see(rows("1", "2.5"), HEADER)
    assert restart.value.first == (3, "e (g)", "2.5")
    plain = NumberWay()
    plain.see(rows("15"), HEADER)
    plain.see(rows("2.5"), HEADER)  # nothing was read that English reads otherwise
    assert plain.convention is EN
