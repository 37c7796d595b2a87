"""The pure suggestion rule: address, then coordinates, then the main successor, then none."""

import pytest

from metrology_svc.rehoming.rules import Basis, Candidate, distance_km, split_reason, suggest

SONG_TRI = Candidate(1, "18754", "Phường Sông Trí")
VUNG_ANG = Candidate(2, "18823", "Phường Vũng Áng", default=True)
HOANH_SON = Candidate(3, "18832", "Phường Hoành Sơn")
POOL = [SONG_TRI, VUNG_ANG, HOANH_SON]
CENTRES = {"18754": (18.0464, 106.324), "18823": (18.0498, 106.389), "18832": (17.9989, 106.44)}


def test_the_address_wins_when_it_names_a_candidate() -> None:
    s = suggest(
        POOL,
        address="phường Sông Trí",
        address_code="18754",
        position=(18.0, 106.44),
        centres=CENTRES,
    )
    assert (s.unit_id, s.basis) == (1, Basis.ADDRESS)
    vi, en = split_reason(s.reason)
    assert vi == "Theo địa chỉ: «phường Sông Trí» thuộc Phường Sông Trí (18754)."
    assert en == "From the address: 'phường Sông Trí' lies in Phường Sông Trí (18754)."


def test_an_address_naming_no_candidate_falls_to_the_coordinates() -> None:
    s = suggest(
        POOL, address="Xã Can Lộc", address_code="18406", position=(18.0, 106.44), centres=CENTRES
    )
    assert (s.unit_id, s.basis) == (3, Basis.COORDINATES)
    assert "Phường Hoành Sơn (18832)" in s.reason_vi


def test_coordinates_count_only_for_candidates_with_a_known_centre() -> None:
    s = suggest(
        POOL,
        address="",
        address_code=None,
        position=(18.0, 106.44),
        centres={"18754": CENTRES["18754"]},
    )
    assert s.unit_id == 1  # the only centre known, however far


def test_without_address_or_coordinates_the_main_successor_then_nothing() -> None:
    s = suggest(POOL, address="", address_code=None, position=None, centres=CENTRES)
    assert (s.unit_id, s.basis) == (2, Basis.DEFAULT)
    s = suggest([SONG_TRI, HOANH_SON], address="", address_code=None, position=None, centres={})
    assert (s.unit_id, s.basis) == (None, Basis.NONE)
    assert s.reason_en.startswith("No suggestion")


def test_a_long_address_is_shortened_and_the_reason_fits_its_column() -> None:
    address = "Thôn " + "Hải Phong " * 60
    s = suggest(POOL, address=address, address_code="18754", position=None, centres={})
    assert len(s.reason) <= 300
    assert "…" in s.reason_vi


def test_distances_on_the_sphere() -> None:
    ha_tinh, ha_noi = (18.3428, 105.9057), (21.0278, 105.8342)
    assert distance_km(ha_tinh, ha_noi) == pytest.approx(298.7, abs=1.0)
    assert distance_km(ha_tinh, ha_tinh) == 0.0
    assert Candidate.from_json(VUNG_ANG.as_json()) == VUNG_ANG
