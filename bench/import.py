# ruff: noqa: N999  (the module is named by the brief: `python -m bench.import`)
"""100,000-row instrument import from CSV (target ≤ 30 s) and XLSX (target ≤ 60 s).

`python -m bench.import [--quick]` writes a realistic list (Vietnamese headers, owners, markets
and fuel stations in 20 communes) as CSV, as an XLSX the way Excel saves one (shared strings,
date cells) and as openpyxl writes one (inline strings, read back three times slower), imports
each into a fresh migrated SQLite file (and the first two into PostgreSQL, in a private schema,
when METROLOGY_TEST_DATABASE_URL is set or a local server answers), then re-imports the CSV
(every row unchanged). Every row has a last-verification date, so the first import of each file
also records one imported verification per row (verifications.imported: a record, the due date
by the rulebook's cycle, a history event and an audit record each). Baselines measured in the
same run: the bare cost of reading each file (csv module, openpyxl read-only) and a bare
executemany INSERT of the same instrument rows. The targets apply to the CSV and the
Excel-saved XLSX. Each import runs in a process of its own, so its peak memory is its own:
VmHWM of the importing process since it started, and the peak of its reader child (the XLSX
reader, or the CSV parsing process: imports.parse_worker), as bench/upload_bombs.py measures
them (`peak_mb` is the larger). Ends with one line of JSON.
"""

import argparse
import csv
import functools
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine, bindparam, insert, text

from bench.databases import pg_url, postgres_db, sqlite_db
from bench.import_data import COMMUNES, TODAY, write_files
from bench.upload_bombs import _mb, _peak_since_exec_mb
from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.db import build_engine, new_session
from metrology_svc.imports.repository import table
from metrology_svc.imports.schemas import ImportReport
from metrology_svc.imports.service import import_file
from metrology_svc.instruments.identity import loose_identity
from metrology_svc.instruments.rules import identity_key

TARGET_CSV_S, TARGET_XLSX_S = 30.0, 60.0
# Flush each line so progress shows when the output is piped to a file.
print = functools.partial(print, flush=True)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
ADMIN = Principal(user_id=0, name="bench", role=Role.ADMIN)


def seed_units(engine: Engine) -> None:
    """Check that the 20 communes the list names are in the unit list `db upgrade` loaded."""
    with engine.connect() as conn:
        found: int = conn.execute(
            text("SELECT count(*) FROM admin_unit WHERE code IN :codes").bindparams(
                bindparam("codes", expanding=True)
            ),
            {"codes": list(COMMUNES)},
        ).scalar_one()
    assert found == len(COMMUNES), f"{found} of the {len(COMMUNES)} communes are loaded"


def timed_import(engine: Engine, path: Path) -> tuple[float, ImportReport]:
    """Import a file and commit; return seconds and the report."""
    started = time.perf_counter()
    with new_session(engine) as session:
        report = import_file(session, ADMIN, path, today=TODAY)
        session.commit()
    return time.perf_counter() - started, report


def child(path: Path, url: str) -> dict[str, Any]:
    """Import a file into the database at `url` (run in its own process); return the counts,
    the seconds and the peak memory (this process's VmHWM and its reader child's)."""
    engine = build_engine(url)
    try:
        seconds, report = timed_import(engine, path)
    finally:
        engine.dispose()
    counts = report.model_dump(include={"created", "unchanged", "verifications", "rejected"})
    return counts | {
        "seconds": seconds,
        "errors": [e.model_dump() for e in report.errors[:3]],
        "self_mb": _peak_since_exec_mb(),
        "reader_child_mb": _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
    }


def measured_import(engine: Engine, path: Path) -> dict[str, Any]:
    """Import a file in a new process (python -m bench.import --child); return what it says,
    with `peak_mb`, the larger of its own peak and its reader child's."""
    url = engine.url.render_as_string(hide_password=False)
    command = [sys.executable, "-m", "bench.import", "--child", str(path), "--url", url]
    # Our interpreter and module, paths and the URL as arguments: no shell.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_mb"] = max(result["self_mb"], result["reader_child_mb"])
    return result


def bare_reads(csv_path: Path, xlsx_path: Path, pyxl_path: Path) -> dict[str, float]:
    """Baseline: iterate every cell of each file (csv module, openpyxl read-only), nothing else."""
    started = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        sum(len(r) for r in csv.reader(handle))
    out = {"csv_read_s": time.perf_counter() - started}
    for kind, path in (("xlsx", xlsx_path), ("xlsx_openpyxl_written", pyxl_path)):
        started = time.perf_counter()
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sum(len(r) for r in book.worksheets[0].iter_rows(values_only=True))
        book.close()
        out[f"{kind}_read_s"] = time.perf_counter() - started
    return out


def bare_insert(engine: Engine, count: int) -> float:
    """Baseline: one executemany INSERT of `count` instrument rows, ids known, nothing checked."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO owner (id, kind, name, language, address, created_at) "
                "VALUES (999999, 'household', 'x', 'vi', '', '2026-01-01')"
            )
        )
        unit_id: int = conn.execute(
            text("SELECT id FROM admin_unit WHERE code = :c"), {"c": COMMUNES[0]}
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO site (id, kind, name, address, unit_id, created_at) "
                "VALUES (999999, 'market', 'x', '', :u, '2026-01-01')"
            ),
            {"u": unit_id},
        )
    columns = [c.name for c in table("instrument").columns if c.name != "id"]
    now = NOW
    params = []
    for i in range(count):
        row: dict[str, Any] = dict.fromkeys(columns)
        serial = f"BARE-{i:07d}"
        key = identity_key(type_code="scale_spring_dial", manufacturer="Nhơn Hòa", serial=serial)
        row |= {"identity_key": key, "type_code": "scale_spring_dial", "serial": serial}
        row["loose_key"] = loose_identity("scale_spring_dial", "Nhơn Hòa", serial)
        row |= {"manufacturer": "Nhơn Hòa", "owner_id": 999999, "site_id": 999999}
        row |= {"role": "trade", "status": "in_service", "created_at": now, "updated_at": now}
        params.append(row)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(table("instrument")), params)
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM instrument WHERE owner_id = 999999"))
    return elapsed


def run_backend(name: str, make: Any, files: list[tuple[str, Path]], count: int) -> dict[str, Any]:
    """Import each file into a fresh database of one backend; re-import the CSV."""
    out: dict[str, Any] = {}
    for kind, path in files:
        with make() as engine:
            seed_units(engine)
            first = measured_import(engine, path)
            assert first["created"] == first["verifications"] == count, first["errors"]
            seconds, peak = first["seconds"], first["peak_mb"]
            out[f"{kind}_s"], out[f"{kind}_rows_per_s"] = seconds, count / seconds
            out[f"{kind}_peak_mb"] = peak
            print(
                f"{name:10} {kind} import: {seconds:6.2f} s  {count / seconds:9.0f} rows/s  "
                f"peak {peak} MB (reader child {first['reader_child_mb']} MB)"
            )
            if kind == "csv":
                second = measured_import(engine, path)
                assert second["unchanged"] == count, second
                assert second["verifications"] == 0, second
                again = second["seconds"]
                out["csv_reimport_s"], out["csv_reimport_peak_mb"] = again, second["peak_mb"]
                print(
                    f"{name:10} csv  re-import (all unchanged): {again:6.2f} s  "
                    f"peak {second['peak_mb']} MB"
                )
                out["bare_insert_s"] = bare_insert(engine, count)
                bare = out["bare_insert_s"]
                print(f"{name:10} bare executemany INSERT of {count} rows: {bare:.2f} s")
    return out


def run_all(folder: Path, count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the files, measure the baselines, import into each backend; return both."""
    started = time.perf_counter()
    csv_path, xlsx_path, pyxl_path = write_files(folder, count)
    print(f"wrote {count} rows as CSV and XLSX in {time.perf_counter() - started:.1f} s")
    baseline: dict[str, Any] = bare_reads(csv_path, xlsx_path, pyxl_path)
    print("baseline, bare reads: " + ", ".join(f"{k} {v:.2f} s" for k, v in baseline.items()))
    files = [("csv", csv_path), ("xlsx", xlsx_path)]
    extra = [("xlsx_openpyxl_written", pyxl_path)]
    figures = {
        "sqlite": run_backend(
            "sqlite",
            lambda: sqlite_db(folder / f"bench-{uuid.uuid4().hex[:6]}.db"),
            files + extra,
            count,
        )
    }
    url = pg_url()
    if url:
        figures["postgresql"] = run_backend(
            "postgresql", lambda: postgres_db(url, "bench_imp"), files, count
        )
    else:
        print("postgresql: not reachable, skipped")
    for db, f in figures.items():
        baseline[f"{db}_bare_insert_s"] = f.pop("bare_insert_s")
    return figures, baseline


def main() -> None:
    """Run the benchmark and print one JSON line at the end."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows instead of 100,000")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.url), default=str))
        return
    count = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        figures, baseline = run_all(Path(tmp), count)
    scale = 100_000 / count  # targets are for 100k rows; --quick extrapolates linearly
    met = {
        f"{db}_{kind}": f[f"{kind}_s"] * scale <= target
        for db, f in figures.items()
        for kind, target in (("csv", TARGET_CSV_S), ("xlsx", TARGET_XLSX_S))
    }
    targets = {"csv_s": TARGET_CSV_S, "xlsx_s": TARGET_XLSX_S}
    print(
        json.dumps(
            {
                "bench": "import",
                "quick": args.quick,
                "rows": count,
                "figures": figures,
                "baseline": baseline,
                "targets": targets,
                "met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
