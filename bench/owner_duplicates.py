"""Finding possible duplicate owners among those stored (the /web/owners/duplicates page).

`python -m bench.owner_duplicates [--quick]` fills a fresh SQLite file and a private schema on
the PostgreSQL test server (when reachable) with 100,000 owners (10,000 with --quick): names
drawn from common Vietnamese family, middle and given names (so names repeat, as they do), a
phone on two owners in three (one phone in fifty shared), a tax code on one in ten; and their
instruments at sites of two communes. It prints, per backend, the time of:

- the baseline: reading (id, name, phone, tax_code) of every owner, nothing else;
- `possible_duplicates` for an administrator (every owner) and for a commune inspector (the
  owners whose instruments all lie in the commune), with the number of groups.

Target: under 2 s for 100,000 owners on each backend. Ends with one line of JSON.
"""

import argparse
import functools
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bench.databases import pg_url, postgres_db, sqlite_db
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.db import new_session
from metrology_svc.instruments.models import Instrument
from metrology_svc.owners.duplicates import possible_duplicates
from metrology_svc.owners.models import Owner
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units.repository import UnitRepository

TARGET_S = 2.0
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Xuân", "Thu"]
GIVEN = [
    *("An", "Bình", "Cúc", "Dũng", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Nga", "Phúc"),
    *("Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến", "Hải", "Hương", "Khoa"),
]
print = functools.partial(print, flush=True)


def fill(session: Session, count: int, rng: random.Random) -> None:
    """Store `count` owners and one scale for each of the first half, at two communes' sites."""
    units = [UnitRepository(session).by_code(c, "2025") for c in ("18754", "18781")]
    sites = [
        Site(kind=SiteKind.MARKET, name=f"Chợ {i}", unit_id=u.id or 0)
        for i, u in enumerate(units)
        if u
    ]
    session.add_all(sites)
    session.flush()
    shared = [f"09{rng.randrange(10**8):08d}" for _ in range(count // 50)]
    rows = []
    for i in range(count):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if rng.random() < 0.3:
            name = name.upper()
        roll = rng.random()
        phone = (
            None
            if roll < 1 / 3
            else rng.choice(shared)
            if roll < 0.36
            else f"08{i:08d}"  # distinct
        )
        tax = f"31{i:08d}" if rng.random() < 0.1 else None
        rows.append({"name": name, "phone": phone, "tax_code": tax, "kind": "household"})
    session.execute(insert(Owner), rows)
    ids: list[int] = list(session.exec(select(col(Owner.id))).all())  # type: ignore[arg-type]
    scales = [
        {
            "type_code": "scale_spring_dial",
            "serial": f"B-{owner_id}",
            "identity_key": f"bench|{owner_id}",
            "manufacturer": "Nhơn Hòa",
            "accuracy_class": "IIII",
            "max_g": 15000,
            "e_g": 50,
            "d_g": 50,
            "owner_id": owner_id,
            "site_id": sites[owner_id % 2].id,
        }
        for owner_id in ids[: count // 2]
    ]
    session.execute(insert(Instrument), scales)
    session.commit()


def _timed(step: Callable[[], Any]) -> tuple[float, float, Any]:
    """Run a step; return its wall time, this process's CPU time (a shared machine's load
    stretches the first, hardly the second; PostgreSQL's own work is in the first only), and
    its result."""
    start, cpu = time.perf_counter(), time.process_time()
    out = step()
    return time.perf_counter() - start, time.process_time() - cpu, out


def run_backend(name: str, make: Callable[[], Any], count: int) -> dict[str, Any]:
    """Fill a fresh database and time the baseline and the two searches."""
    with make() as engine, new_session(engine) as session:
        fill(session, count, random.Random(19))
        commune = UnitRepository(session).by_code("18754", "2025")
        assert commune is not None
        admin = Principal(user_id=0, name="bench", role=Role.ADMIN)
        inspector = Principal(
            user_id=0, name="bench", role=Role.INSPECTOR, unit_paths=(commune.path,)
        )
        bare, bare_cpu, _ = _timed(lambda: sum(1 for _ in OwnerRepository(session).identities()))
        every, every_cpu, groups = _timed(lambda: possible_duplicates(session, admin))
        scoped, scoped_cpu, theirs = _timed(lambda: possible_duplicates(session, inspector))
    out = {
        "bare_read_s": round(bare, 3),
        "bare_read_cpu_s": round(bare_cpu, 3),
        "admin_s": round(every, 3),
        "admin_cpu_s": round(every_cpu, 3),
        "admin_groups": len(groups),
        "inspector_s": round(scoped, 3),
        "inspector_cpu_s": round(scoped_cpu, 3),
        "inspector_groups": len(theirs),
        "load_1min": round(os.getloadavg()[0], 1),
    }
    print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in out.items()))
    return out


def main() -> None:
    """Run the benchmark and print one JSON line at the end."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 owners instead of 100,000")
    args = parser.parse_args()
    count = 10_000 if args.quick else 100_000
    figures = {}
    with tempfile.TemporaryDirectory(prefix="bench-dup-") as tmp:
        figures["sqlite"] = run_backend(
            "sqlite", lambda: sqlite_db(Path(tmp) / "owners.sqlite"), count
        )
    url = pg_url()
    if url:
        figures["postgresql"] = run_backend(
            "postgresql", lambda: postgres_db(url, "bench_dup"), count
        )
    else:
        print("postgresql: not reachable, skipped")
    scale = 100_000 / count
    met = {
        f"{db}_{who}": f[f"{who}_s"] * scale <= TARGET_S
        for db, f in figures.items()
        for who in ("admin", "inspector")
    }
    summary = {"bench": "owner_duplicates", "quick": args.quick, "owners": count}
    print(json.dumps({**summary, "figures": figures, "target_s": TARGET_S, "met": met}))


if __name__ == "__main__":
    main()
