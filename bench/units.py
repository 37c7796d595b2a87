"""The two-tier units: loading the national list, reading old codes and addresses, rehoming.

`python -m bench.units [--quick] [--sites N]` works on a fresh SQLite file and prints, each with
a baseline measured in the same run:

- `db upgrade` with the 2025 list (34 provinces, 3,321 communes) beside the same upgrade
  without it (migrations, instrument types, rule tables), and a second, idempotent load;
- resolving unit inputs: codes of the list in force (the baseline, one indexed lookup each),
  2004 codes, and old-style addresses ("Phường Bắc Hà, Thành phố Hà Tĩnh"), per second;
- `rehome` of N sites spread over Hà Tĩnh's 209 old communes beside a bare
  `UPDATE site SET unit_id` of the same sites.

Targets: the list loads in under 5 s on a new database; a rehome of 10,000 sites in under 60 s.
Ends with one line of JSON.
"""

import argparse
import functools
import json
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from metrology_svc import migrate
from metrology_svc.bootstrap import prepare_database
from metrology_svc.db import build_engine, new_session
from metrology_svc.instrument_types.service import sync_types
from metrology_svc.rehoming.service import rehome
from metrology_svc.rulebook.service import sync_shipped
from metrology_svc.sites.models import Site, SiteKind
from metrology_svc.units import conversion
from metrology_svc.units.models import AdminUnit, UnitLevel
from metrology_svc.units.resolver import UnitResolver, UnknownUnit
from metrology_svc.units.service import load_2004, load_2025
from metrology_svc.units.succession import load_shipped_succession

LOAD_TARGET_S, REHOME_TARGET_S = 5.0, 60.0
print = functools.partial(print, flush=True)


def _engine(directory: Path, name: str) -> Engine:
    return build_engine(f"sqlite:///{directory / name}")


def _timed(step: object) -> float:
    start = time.perf_counter()
    step()  # type: ignore[operator]
    return time.perf_counter() - start


def _upgrade_without_units(engine: Engine) -> None:
    migrate.upgrade(engine)
    with new_session(engine) as session:
        sync_types(session)
        sync_shipped(session)
        session.commit()


def _second_load(engine: Engine) -> None:
    with new_session(engine) as session:
        result = load_2025(session)
        assert result.added == 0, result
        session.commit()


def _inputs(session: Session, n: int, rng: random.Random) -> dict[str, list[str]]:
    new = session.exec(
        select(AdminUnit.code).where(
            AdminUnit.scheme == "2025", AdminUnit.level == UnitLevel.COMMUNE
        )
    ).all()
    legacy = conversion.legacy_units("42")
    districts = {u.code: u.name for u in legacy if u.level == "district"}
    old = [u for u in legacy if u.level == "commune"]
    return {
        "2025 code (baseline)": [rng.choice(new) for _ in range(n)],
        "2004 code": [rng.choice(old).code for _ in range(n)],
        "old address": [
            f"{u.name}, {districts[u.parent_code or '']}"
            for u in (rng.choice(old) for _ in range(n))
        ],
    }


def _resolve_rates(engine: Engine, n: int) -> dict[str, float]:
    rates: dict[str, float] = {}
    with new_session(engine) as session:
        inputs = _inputs(session, n, random.Random(13))
        for label, values in inputs.items():
            resolver = UnitResolver(session)  # a fresh cache per kind, as one import file has
            refused = 0
            start = time.perf_counter()
            for value in values:
                try:
                    resolver.resolve(value)
                except UnknownUnit:
                    refused += 1
            seconds = time.perf_counter() - start
            rates[label] = n / seconds
            print(
                f"  resolve {label:22} {n / seconds:10,.0f} /s  ({len(set(values))} distinct, "
                f"{refused} refused)"
            )
    return rates


def _place_sites(engine: Engine, n: int) -> list[int]:
    with new_session(engine) as session:
        load_2004(session, "42")
        load_shipped_succession(session, "42")
        communes = session.exec(
            select(AdminUnit).where(
                AdminUnit.scheme == "2004", AdminUnit.level == UnitLevel.COMMUNE
            )
        ).all()
        rng = random.Random(7)
        sites = []
        for i in range(n):
            unit = communes[i % len(communes)]
            sites.append(
                Site(
                    kind=SiteKind.MARKET,
                    name=f"Chợ số {i}",
                    address=f"Thôn {rng.randint(1, 20)}, {unit.name}",
                    unit_id=unit.id or 0,
                )
            )
        session.add_all(sites)
        session.commit()
        return [s.id or 0 for s in sites]


def main() -> None:
    """Measure and print the figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer inputs and sites")
    parser.add_argument("--sites", type=int, default=None)
    args = parser.parse_args()
    lookups = 2_000 if args.quick else 20_000
    n_sites = args.sites or (1_000 if args.quick else 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        base_s = _timed(lambda: _upgrade_without_units(_engine(directory, "base.db")))
        engine = _engine(directory, "units.db")
        full_s = _timed(lambda: prepare_database(engine))
        again_s = _timed(lambda: _second_load(engine))
        print(f"db upgrade without units (baseline) {base_s:6.2f} s")
        print(f"db upgrade with the 2025 list       {full_s:6.2f} s  (target < {LOAD_TARGET_S} s)")
        print(f"second load (idempotent)            {again_s:6.2f} s")
        rates = _resolve_rates(engine, lookups)

        ids = _place_sites(engine, n_sites)
        bare_engine = _engine(directory, "bare.db")
        prepare_database(bare_engine)
        bare_ids = _place_sites(bare_engine, n_sites)
        with bare_engine.begin() as conn:
            target: int = conn.execute(
                text("SELECT id FROM admin_unit WHERE scheme = '2025' AND code = '18073'")
            ).scalar_one()
        with bare_engine.begin() as conn:
            start = time.perf_counter()
            conn.execute(
                text("UPDATE site SET unit_id = :u WHERE id = :i"),
                [{"u": target, "i": i} for i in bare_ids],
            )
            update_s = time.perf_counter() - start
        with new_session(engine) as session:
            start = time.perf_counter()
            result = rehome(session, province_code="42")
            session.commit()
            rehome_s = time.perf_counter() - start
            still_old = session.exec(
                select(Site)
                .join(AdminUnit, col(AdminUnit.id) == Site.unit_id)
                .where(AdminUnit.scheme == "2004", col(Site.id).in_(ids))
            ).all()
        print(f"bare UPDATE of {n_sites:,} sites (baseline)  {update_s:6.2f} s")
        print(
            f"rehome of {n_sites:,} sites                 {rehome_s:6.2f} s  "
            f"(target < {REHOME_TARGET_S} s for 10,000): {result.counts}"
        )
        print(f"  sites still in 2004 units after the run: {len(still_old):,} (open cases)")
    print(
        json.dumps(
            {
                "upgrade_without_units_s": round(base_s, 3),
                "upgrade_with_units_s": round(full_s, 3),
                "second_load_s": round(again_s, 3),
                "resolve_per_s": {k: round(v) for k, v in rates.items()},
                "sites": n_sites,
                "bare_update_s": round(update_s, 3),
                "rehome_s": round(rehome_s, 3),
                "rehome_counts": result.counts,
            }
        )
    )


if __name__ == "__main__":
    main()
