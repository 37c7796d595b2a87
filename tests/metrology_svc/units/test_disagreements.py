"""The codes and spellings where vietnam-provinces and vietnamadminunits differ, pinned."""

from collections import Counter

from metrology_svc.units import disagreements


def test_the_shipped_table_is_what_the_installed_packages_say() -> None:
    # Fails after a package upgrade that changes either list: regenerate it with
    # `metrology-svc units disagreements -o metrology_svc/units/data/disagreements_2025.csv`.
    assert disagreements.read() == disagreements.current()


def test_the_packages_differ_on_codes_outside_ha_tinh_and_on_spelling() -> None:
    rows = disagreements.read()
    assert Counter(r.kind for r in rows) == {"code": 123, "spelling": 25}
    codes = [r for r in rows if r.kind == "code"]
    ours, theirs = {r.code_ours for r in codes}, {r.code_theirs for r in codes}
    # 114 codes each way exist in one package only; 9 name other communes in the other.
    assert (len(ours - theirs), len(theirs - ours), len(ours & theirs)) == (114, 114, 9)
    assert Counter(r.province_code for r in codes).most_common(1) == [("01", 29)]  # Hà Nội
    assert not [r for r in rows if r.province_code == "42"]  # Hà Tĩnh's 69 agree
    kim_lien = next(r for r in codes if r.code_ours == "00226")
    assert (kim_lien.name_ours, kim_lien.code_theirs) == ("Phường Kim Liên", "00229")
    thuan_hoa = next(r for r in rows if r.kind == "spelling" and r.code_ours == "00922")
    assert (thuan_hoa.name_ours, thuan_hoa.name_theirs) == ("Xã Thuận Hoà", "Xã Thuận Hòa")
