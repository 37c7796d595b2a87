"""Reports by the units valid then: 2024 by the districts and communes of 2004, 2025 on by
the province and the communes of 2025, records counted under the unit they were made under."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from metrology_svc.settings import Settings
from tests.factories import World
from tests.metrology_svc.reports.history import (
    Old,
    make_old,
    move,
    old_site,
    scale_at,
    verify_on,
)
from tests.metrology_svc.reports.test_yearly import report
from tests.metrology_svc.stamps.support import API, freeze

TODAY = date(2026, 11, 22)


@dataclass
class Places:
    """The old units, and the three scales."""

    old: Old
    a: int  # at Chợ Hưng Trí: Phường Hưng Trí (2004), whole into Sông Trí
    b: int  # at Chợ Kỳ Lợi: Xã Kỳ Lợi (2004), split; the market went to Sông Trí
    c: int  # at market A, in Phường Sông Trí since it was registered


def arrange(client: TestClient, db: Session, world: World, settings: Settings) -> Places:
    """Verify A and B under the old communes, move their markets on 01/07/2025, go on."""
    freeze(client, TODAY)
    old = make_old(db)
    hung_tri = old_site(db, "Chợ Hưng Trí", old.id("18754"))
    ky_loi = old_site(db, "Chợ Kỳ Lợi", old.id("18796"))
    a = scale_at(db, world, hung_tri, "H-A")
    b = scale_at(db, world, ky_loi, "H-B")
    c = scale_at(db, world, world.market_a, "H-C")
    verify_on(db, a, date(2024, 5, 6), settings)
    verify_on(db, b, date(2024, 6, 1), settings)
    verify_on(db, a, date(2025, 3, 3), settings)
    verify_on(db, b, date(2025, 4, 1), settings)
    song_tri = old.id("18754", scheme="2025")
    move(db, hung_tri, song_tri)
    move(db, ky_loi, song_tri)  # reviewed: the market lies in the part that went to Sông Trí
    verify_on(db, a, date(2025, 9, 9), settings)
    verify_on(db, c, date(2025, 10, 10), settings)
    verify_on(db, b, date(2026, 2, 2), settings)
    # A and B were registered in January 2024, C in August 2025.
    for scale, registered in ((a, date(2024, 1, 2)), (b, date(2024, 1, 2)), (c, date(2025, 8, 1))):
        scale.created_at = datetime(registered.year, registered.month, registered.day, tzinfo=UTC)
        db.add(scale)
    db.commit()
    return Places(old=old, a=a.id or 0, b=b.id or 0, c=c.id or 0)


def verifications(r: dict[str, Any]) -> int:
    n: int = r["verified_total"]["verifications"]
    return n


def refusal(client: TestClient, world: World, unit: str, year: int) -> dict[str, str]:
    """Return the error of a report refused for a unit and a year."""
    r = client.get(
        f"{API}/reports/yearly",
        params={"unit_code": unit, "year": year},
        headers=world.auth("admin"),
    )
    assert r.status_code == 422, r.text
    error: dict[str, str] = r.json()["error"]
    return error


def test_a_year_before_the_change_reads_by_the_district_of_then(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    arrange(client, db, world, settings)
    r = report(client, world, "2004:449", year=2024)
    assert (r["unit"]["name"], r["unit"]["scheme"], r["unit"]["former"]) == (
        "Thị xã Kỳ Anh",
        "2004",
        True,
    )
    assert verifications(r) == 2  # A and B in 2024, made in Hưng Trí and Kỳ Lợi
    assert r["stamps"]["issued"] == 2
    # On 31/12/2024 the two markets lay in the district (they moved in July 2025); market A,
    # registered straight into Sông Trí, never did.
    assert r["due"]["total"]["instruments"] == 2
    # The district is gone: the province's department issues the report.
    assert r["issuer"]["name"] == "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"
    # A plain code means the unit of the list in force at the year's end.
    assert report(client, world, "449", year=2024)["unit"]["scheme"] == "2004"
    hung_tri = report(client, world, "18754", year=2024)
    assert (hung_tri["unit"]["name"], verifications(hung_tri)) == ("Phường Hưng Trí", 1)


def test_the_year_of_the_change_counts_old_communes_that_went_whole(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    p = arrange(client, db, world, settings)
    r = report(client, world, "18754", year=2025)
    assert (r["unit"]["name"], r["unit"]["scheme"]) == ("Phường Sông Trí", "2025")
    # A on 03/03 under Hưng Trí (whole into Sông Trí), A on 09/09 and C on 10/10 under Sông
    # Trí; B on 01/04 was made under Kỳ Lợi, split between communes: not counted here.
    assert verifications(r) == 3
    assert {u["name"] for u in r["covers"]} == {"Phường Hưng Trí", "Phường Kỳ Trinh"}
    notes = " ".join(n["vi"] for n in r["notes"])
    assert "đã nhập toàn bộ vào Phường Sông Trí" in notes
    assert "Xã Kỳ Lợi (2004:18796)" in notes  # left out, and said so
    assert "Phường Hưng Trí (2004:18754)" in " ".join(n["en"] for n in r["notes"])
    # The province counts everything made in it that year, whatever the list.
    assert verifications(report(client, world, "42", year=2025)) == 4
    # In 2026 all three scales stand in Sông Trí; B's verification of 2026 is made there.
    now = report(client, world, "18754", year=2026)
    assert (verifications(now), now["due"]["total"]["instruments"]) == (1, 3)
    assert p.b


def test_a_province_reports_on_any_year(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    arrange(client, db, world, settings)
    r = report(client, world, "42", year=2024)
    assert verifications(r) == 2
    assert r["issuer"]["heading"] == ["UBND TỈNH HÀ TĨNH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"]


def test_a_unit_that_did_not_exist_that_year_is_refused_naming_what_to_use(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    arrange(client, db, world, settings)
    early = refusal(client, world, "2025:18754", 2024)
    assert "Phường Sông Trí (18754) exists from 01/07/2025" in early["message"]
    assert "Tỉnh Hà Tĩnh (42)" in early["message"]
    for old in ("Phường Hưng Trí (2004:18754)", "Phường Kỳ Trinh (2004:18820)"):
        assert old in early["message"]
        assert old in early["message_vi"]
    assert early["message_vi"].startswith("Phường Sông Trí (18754) được thành lập từ ngày")
    assert "Xã Kỳ Lợi (2004:18796) (part)" in early["message"]  # split: only a part of it
    assert "Xã Kỳ Lợi (2004:18796) (một phần)" in early["message_vi"]
    for year in (2025, 2026):
        late = refusal(client, world, "2004:449", year)
        assert "Thị xã Kỳ Anh (2004:449) existed until 30/06/2025" in late["message"]
        for new in ("Phường Sông Trí (18754)", "Phường Hải Ninh (18781)"):
            assert new in late["message"]
            assert new in late["message_vi"]
        assert "các đơn vị kế thừa" in late["message_vi"]


def test_a_commune_of_2025_alone_cannot_read_2024(
    client: TestClient, db: Session, world: World
) -> None:
    # Without the old list loaded, 18754 names only Phường Sông Trí: 2024 is refused.
    freeze(client, TODAY)
    error = refusal(client, world, "18754", 2024)
    assert "the districts and communes of that time" in error["message"]
    assert "Tỉnh Hà Tĩnh (42)" in error["message_vi"]


def test_scope_of_history(
    client: TestClient, db: Session, world: World, settings: Settings
) -> None:
    arrange(client, db, world, settings)
    url = f"{API}/reports/yearly"
    own = client.get(
        url, params={"unit_code": "18754", "year": 2025}, headers=world.auth("inspector_a")
    )
    assert own.status_code == 200
    assert own.json()["verified_total"]["verifications"] == 3
    district = client.get(
        url, params={"unit_code": "2004:449", "year": 2024}, headers=world.auth("inspector_a")
    )
    assert district.status_code == 403  # the old district covers more than their commune
