"""Reading a code, an old code or an address as the unit in force, or refusing it."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from metrology_svc.core.errors import Invalid
from metrology_svc.units import conversion
from metrology_svc.units import resolver as resolver_module
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.resolver import UnitResolver, UnknownUnit
from metrology_svc.units.service import import_succession, load_2004, resolve_unit_input


def test_a_code_of_the_list_in_force_means_that_unit(db: Session) -> None:
    load_2004(db, "42")  # 18073 is also a 2004 code (Phường Nam Hà): the 2025 unit wins
    found = resolve_unit_input(db, "18073")
    assert (found.unit.scheme, found.unit.name, found.warning_vi) == (
        "2025",
        "Phường Thành Sen",
        None,
    )


@pytest.mark.parametrize("loaded", [False, True])
def test_an_old_commune_code_is_read_as_its_successor(db: Session, loaded: bool) -> None:
    if loaded:
        load_2004(db, "42")
    found = resolve_unit_input(db, "18077")
    assert (found.unit.scheme, found.unit.code) == ("2025", "18073")
    assert found.warning_vi == (
        "Mã 18077 (Phường Bắc Hà, Thành phố Hà Tĩnh, danh mục 2004) → 18073 Phường Thành Sen"
    )
    assert found.warning_en == (
        "Code 18077 (Phường Bắc Hà, Thành phố Hà Tĩnh, 2004 list) → 18073 Phường Thành Sen"
    )


def test_a_split_commune_goes_to_its_default_and_names_the_others(db: Session) -> None:
    found = resolve_unit_input(db, "18082")
    assert found.unit.code == "18073"
    assert found.warning_vi is not None
    assert found.warning_en is not None
    assert "đã được chia, phần còn lại thuộc 18652 Phường Hà Huy Tập" in found.warning_vi
    assert "was split, the rest went to 18652 Phường Hà Huy Tập" in found.warning_en


def test_an_old_district_code_too(db: Session) -> None:
    found = resolve_unit_input(db, "2004:443")
    assert (found.unit.code, found.unit.name) == ("18406", "Xã Can Lộc")
    assert found.warning_vi is not None
    assert found.warning_vi.startswith("Mã 443 (Huyện Can Lộc, Tỉnh Hà Tĩnh, danh mục 2004)")
    assert "cấp huyện đã bỏ từ 01/07/2025" in found.warning_vi


def test_the_stored_succession_wins_over_the_package(db: Session) -> None:
    rows = conversion.successions_of("18082")
    turned = [replace(r, is_default=not r.is_default) for r in rows]
    import_succession(db, turned, source="Quyết định của UBND tỉnh (thử)")
    assert resolve_unit_input(db, "18082").unit.code == "18652"


def test_a_stored_old_unit_named_with_its_list_is_that_unit(db: Session) -> None:
    load_2004(db, "42")
    found = resolve_unit_input(db, "2004:18082")
    assert (found.unit.scheme, found.unit.name, found.warning_vi) == (
        "2004",
        "Phường Đại Nài",
        None,
    )


@pytest.mark.parametrize(
    ("text", "code", "start_vi"),
    [
        ("Thị trấn Nghèn, Huyện Can Lộc", "18406", "Địa chỉ cũ 'Thị trấn Nghèn, Huyện Can Lộc' "),
        ("Phường Bắc Hà, Thành phố Hà Tĩnh", "18073", "Địa chỉ cũ 'Phường Bắc Hà, Thành phố"),
        ("Phường Thành Sen, tỉnh Hà Tĩnh", "18073", "Đơn vị lấy từ địa chỉ"),
        ("1234", "01234", "Mã 1234 được đọc là 01234"),
    ],
)
def test_addresses_and_shortened_codes(db: Session, text: str, code: str, start_vi: str) -> None:
    found = resolve_unit_input(db, text)
    assert (found.unit.scheme, found.unit.code) == ("2025", code)
    assert found.warning_vi is not None
    assert found.warning_vi.startswith(start_vi)
    assert found.warning_en


def test_the_old_address_warning_names_both_units(db: Session) -> None:
    found = resolve_unit_input(db, "Phường Bắc Hà, Thành phố Hà Tĩnh")
    assert found.warning_vi == (
        "Địa chỉ cũ 'Phường Bắc Hà, Thành phố Hà Tĩnh' (18077 Phường Bắc Hà, Thành phố Hà Tĩnh, "
        "danh mục 2004) → 18073 Phường Thành Sen"
    )


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        ("99999", "29998"),
        ("2004:99999", "29998"),
        ("Phường Thành Xen", "18073"),
    ],
)
def test_a_code_of_neither_list_is_refused_with_the_closest(
    db: Session, text: str, suggested: str
) -> None:
    with pytest.raises(UnknownUnit) as refused:
        resolve_unit_input(db, text, loc=["body", "unit_code"])
    error = refused.value
    assert isinstance(error, Invalid)
    assert 0 < len(error.matches) <= 5
    assert suggested in [key.split(":")[1] for key, _label in error.matches]
    assert error.message_vi.startswith("Không có đơn vị hành chính")
    assert "Gần giống nhất:" in error.message_vi
    assert "Closest:" in error.message
    assert error.details[0]["loc"] == ["body", "unit_code"]


def test_each_text_is_resolved_once_per_resolver(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = UnitResolver(db)
    calls: list[str] = []
    inner = resolver._resolve

    def counted(text: str) -> object:
        calls.append(text)
        return inner(text)

    monkeypatch.setattr(resolver, "_resolve", counted)
    for _ in range(3):
        assert resolver.resolve("18077").unit.code == "18073"
        with pytest.raises(UnknownUnit):
            resolver.resolve("99999")
    assert calls == ["18077", "99999"]


def test_after_many_refusals_no_more_suggestions(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resolver_module, "MAX_SUGGESTED", 3)
    resolver = UnitResolver(db)
    for text in ("99991", "99992", "99993"):
        with pytest.raises(UnknownUnit) as refused:
            resolver.resolve(text)
        assert refused.value.matches
    with pytest.raises(UnknownUnit) as refused:
        resolver.resolve("99999")
    assert refused.value.matches == []


CODES = st.integers(0, 99999).map(str) | st.integers(0, 99999).map(lambda n: f"2004:{n}")
PIECES = st.sampled_from(
    ["Phường Bắc Hà", "Huyện Can Lộc", "Thành phố Hà Tĩnh", "Hà Tĩnh", "Xã", "18073", "TP"]
)


_RESOLVERS: dict[int, UnitResolver] = {}


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60) | CODES | st.lists(PIECES, max_size=4).map(", ".join))
def test_any_input_gives_a_unit_in_force_or_a_short_refusal(db: Session, text: str) -> None:
    # One resolver per test session (what resolve_unit_input builds for each call), so its
    # index of suggestions is built once for all the examples.
    resolver = _RESOLVERS.setdefault(id(db), UnitResolver(db))
    refusal: UnknownUnit | None = None
    try:
        found = resolver.resolve(text)
    except UnknownUnit as exc:
        refusal = exc
    if refusal is not None:
        assert len(refusal.matches) <= 5
        return
    # Nothing old is stored here, so every answer is a unit of the list in force: a commune,
    # or a province when the text was a province code (old 30 -> 31 Hải Phòng).
    assert found.unit.scheme == "2025"
    assert found.unit.level.value == "commune" or len(text.rsplit(":", 1)[-1].strip()) <= 2


def test_the_suggestion_index_is_built_once_and_again_when_units_change(db: Session) -> None:
    """Each refused request used to fold 14,000 names anew (2 s); the index is now kept while
    the units stay the same, and a new unit's name is suggested at once."""
    with pytest.raises(UnknownUnit):
        UnitResolver(db).resolve("Phường Không Có Thật")
    kept = UnitResolver(db)._suggester()
    assert UnitResolver(db)._suggester() is kept
    db.add(AdminUnit(code="99990", name="Phường Hoa Sen Mới", level=UnitLevel.COMMUNE,
                     scheme="2025", path="42/99990/", parent_id=None))  # fmt: skip
    db.flush()
    with pytest.raises(UnknownUnit) as refused:
        UnitResolver(db).resolve("Phường Hoa Sen Moi")
    assert ("2025:99990", "Phường Hoa Sen Mới") in refused.value.matches
