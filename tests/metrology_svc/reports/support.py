"""A year of known activity in Phường Sông Trí (18754) and a little in Phường Hải Ninh (18781).

The test world lies in the communes of 2025 from the start (market A and the station in Sông
Trí, market B in Hải Ninh), so every record here is made under a 2025 commune, even the
older ones; reports by the units of before 01/07/2025 are tested in test_history.py.

Sông Trí in 2026: scales S1 (pass 15/01/2023, due 15/01/2025, then pass 10/03/2026), S2
(fail 05/05); dispenser D1 (initial pass 02/11); S3 passed in 2023 (due 01/06/2025: overdue),
S5 passed 10/12/2024 (due 10/12/2026: due soon), S6 never verified and carries the market's
control scale, S7 registered in February 2026. All but S7 registered in January 2025.
Hải Ninh: S4 (pass 01/02).
Inspections: 20/11 at market A (broken seal on S1, closed), 21/11 at the station (D1 beyond the
MPE, a scale with no stamp), one in 2025 (not counted), one in Hải Ninh (ok on S4).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, update

from metrology_svc.instruments.models import Instrument
from metrology_svc.readings.models import Device, InspectionRequest, Reading, Seller
from metrology_svc.rulebook.repository import RuleRepository
from metrology_svc.stamps.models import Stamp
from tests.factories import World, dispenser
from tests.metrology_svc.inspections.support import finding, open_inspection, prepare, sync
from tests.metrology_svc.readings.support import load_binding
from tests.metrology_svc.stamps.support import (
    API,
    BAD_POINTS,
    freeze,
    new_scale,
    stamps_of,
    verify,
)

TODAY = date(2026, 11, 22)


@dataclass
class Year:
    """Ids of what was made."""

    scales: dict[str, int]
    d1: int


def _at(y: int, m: int, d: int, h: int = 8) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def _dispenser(client: TestClient, world: World) -> int:
    r = client.post(f"{API}/instruments", json=dispenser(world), headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    iid: int = r.json()["id"]
    body: dict[str, Any] = {
        "kind": "initial",
        "verified_on": "2026-11-02",
        "verifier": "KĐV Trần Văn Nam",
        "procedure": "ĐLVN 10:2013",
        "points": [  # draws at Qmax and Qmin
            {"reference": 20000, "indicated": 20010},
            {"reference": 20000, "indicated": 19990},
        ],
    }
    r = client.post(
        f"{API}/instruments/{iid}/verifications", json=body, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text
    return iid


def _control_scales(db: Session, world: World, s6: int, s4: int) -> None:
    db.add(
        Device(
            id="dc-a",
            instrument_id=s6,
            site_id=world.market_a,
            credential_hash="x",
            created_at=_at(2025, 5, 1),
        )
    )
    db.add(
        Device(
            id="dc-b",
            instrument_id=s4,
            site_id=world.market_b,
            credential_hash="x",
            created_at=_at(2026, 1, 5),
        )
    )
    db.flush()
    binding = load_binding(db).id  # shortfalls are evidence only under a binding table
    r87 = RuleRepository(db).by_code("shortfall")[0].id  # shipped: reference only
    checks = [
        # (seq, when, seller, short, missing_g, rule)
        (1, _at(2026, 3, 1), "S12", False, None, binding),
        (2, _at(2026, 3, 2), "S12", True, 30.0, binding),
        (3, _at(2026, 4, 2), "S13", True, 20.5, binding),
        (4, _at(2026, 4, 3), None, False, None, None),  # a plain weighing, not a consumer check
        (5, _at(2025, 12, 31, 23), "S12", True, 99.0, binding),  # last year
        (6, _at(2026, 2, 1), "S13", False, 12.0, r87),  # beyond R 87: an indication only
    ]
    for seq, when, seller, short, missing, rule in checks:
        db.add(
            Reading(
                device_id="dc-a",
                boot="b1",
                seq=seq,
                site_id=world.market_a,
                measured_at=when,
                net_g=1000.0,
                seller_ref_kind="stall" if seller else None,
                seller_ref=seller,
                declared_g=1000.0 if seller else None,
                missing_g=missing,
                short=short,
                shortfall_rule_id=rule,
            )
        )
    db.add(
        Seller(
            site_id=world.market_a,
            ref_kind="stall",
            ref="S12",
            checks=3,
            shortfalls=2,
            suspect_since=_at(2026, 3, 2),
        )
    )
    db.add(Seller(site_id=world.market_a, ref_kind="stall", ref="S13", checks=2, shortfalls=1))
    db.add(
        Seller(site_id=world.market_b, ref_kind="stall", ref="B1", suspect_since=_at(2026, 5, 1))
    )
    db.add(
        InspectionRequest(
            instrument_id=s6,
            site_id=world.market_a,
            reason="S12 cân thiếu",
            created_at=_at(2026, 3, 3),
        )
    )
    db.commit()


def _inspections(client: TestClient, world: World, s: dict[str, int], d1: int) -> None:
    s1_code = stamps_of(client, world, s["S1"])[0]["code"]
    a = open_inspection(client, world, on="2026-11-20")
    assert sync(client, world, a["id"], [finding("broken_seal", stamp_code=s1_code)])["created"]
    prepare(client, world, a["id"])  # a decision and a team: the law's conditions to close
    r = client.post(f"{API}/inspections/{a['id']}/close", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    station = open_inspection(client, world, site_id=world.station_a, on="2026-11-21")
    items = [
        finding(
            "error_beyond_mpe",
            instrument_id=d1,
            points=[{"reference": 20000, "indicated": 20100}],
        ),
        finding("no_stamp", note="cân điện tử không có tem tại quầy"),
    ]
    assert sync(client, world, station["id"], items)["created"] == 2
    old = open_inspection(client, world, on="2025-12-15")
    sync(client, world, old["id"], [finding("no_stamp", note="năm trước")])
    b = open_inspection(client, world, site_id=world.market_b, on="2026-06-01", role="admin")
    sync(client, world, b["id"], [finding("ok", instrument_id=s["S4"])], role="admin")


def make_year(client: TestClient, db: Session, world: World) -> Year:
    """Create the year described in the module docstring."""
    freeze(client, TODAY)
    s: dict[str, int] = {}
    for name, site in [
        ("S1", None),
        ("S2", None),
        ("S3", None),
        ("S5", None),
        ("S6", None),
        ("S4", world.market_b),
    ]:
        s[name] = new_scale(client, world, serial=f"LX-{name}", site_id=site)
    verify(client, world, s["S1"], on="2023-01-15")  # spring dial: 24 months, due 15/01/2025
    verify(client, world, s["S1"], on="2026-03-10")
    verify(client, world, s["S2"], on="2026-05-05", points=BAD_POINTS)
    verify(client, world, s["S3"], on="2023-06-01")
    verify(client, world, s["S5"], on="2024-12-10")
    verify(client, world, s["S4"], on="2026-02-01")
    d1 = _dispenser(client, world)
    s["S7"] = new_scale(client, world, serial="LX-S7")  # registered in 2026, never verified
    # The registry was loaded in January 2025; S7 came in February 2026.
    db.exec(update(Instrument).values(created_at=_at(2025, 1, 2)))
    db.exec(
        update(Instrument).where(col(Instrument.id) == s["S7"]).values(created_at=_at(2026, 2, 1))
    )
    db.commit()
    # S3's old stamp was withdrawn in 2025: not a revocation of 2026.
    s3_stamp = stamps_of(client, world, s["S3"])[0]["id"]
    r = client.post(
        f"{API}/stamps/{s3_stamp}/revoke",
        json={"reason": "broken_seal"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    _control_scales(db, world, s["S6"], s["S4"])
    _inspections(client, world, s, d1)
    # Revocations happen at the real clock's time; pin them to the days they stand for.
    revoked = col(Stamp.revoked_at).is_not(None)
    db.exec(update(Stamp).where(revoked).values(revoked_at=_at(2026, 11, 20)))
    db.exec(update(Stamp).where(col(Stamp.id) == s3_stamp).values(revoked_at=_at(2025, 11, 1)))
    db.commit()
    return Year(scales=s, d1=d1)
