"""The tables shipped with the release (rulebook/data/*.csv): the only reader of those files.

versions.csv lists each table version (code, effective_from, effective_to, status, binding,
source); CODE.csv holds the rows of every version of a table, each row naming the version by
its effective_from and optionally its own status and source.
"""

import csv
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

from metrology_svc.rulebook import catalogue
from metrology_svc.rulebook.book import Rulebook, TableVersion
from metrology_svc.rulebook.rules import ShortfallBand

DATA_DIR = Path(__file__).parent / "data"
SHORTFALL_FILE = DATA_DIR / "shortfall.csv"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV file (UTF-8, BOM tolerated; comma or semicolon) into rows of text."""
    text = path.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [
        {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        for row in csv.DictReader(text.splitlines(), delimiter=delimiter)
    ]


def digest(
    *,
    rows: Sequence[Mapping[str, str]],
    title: str,
    effective_to: date | None,
    status: str,
    binding: bool,
    source: str,
) -> str:
    """Return a fingerprint of a version's content (to load each shipped version once)."""
    body: list[object] = [list(rows), title, effective_to.isoformat() if effective_to else None]
    body += [status, binding, source]
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _version(meta: Mapping[str, str], rows: list[dict[str, str]], seq: int) -> TableVersion:
    spec = catalogue.SPECS[meta["code"]]
    typed, problems = catalogue.parse_rows(spec, rows)
    if problems:
        raise ValueError(f"shipped table {spec.code} {meta['effective_from']}: {problems}")
    day = date.fromisoformat(meta["effective_from"])
    return TableVersion(
        id=None,
        code=spec.code,
        version=day.isoformat(),
        title=spec.title,
        effective_from=day,
        effective_to=date.fromisoformat(meta["effective_to"]) if meta["effective_to"] else None,
        status=meta["status"],
        binding=meta["binding"].lower() in ("1", "true", "yes"),
        source=meta["source"],
        rows=tuple(
            catalogue.stored({k: v for k, v in r.items() if k != "effective_from"}) for r in typed
        ),
        seq=seq,
    )


def shipped_versions() -> list[TableVersion]:
    """Return every shipped table version, checked (a bad shipped file fails loudly)."""
    rows_by_code = {code: read_csv(DATA_DIR / f"{code}.csv") for code in catalogue.SPECS}
    out = []
    for seq, meta in enumerate(read_csv(DATA_DIR / "versions.csv")):
        rows = [
            r for r in rows_by_code[meta["code"]] if r["effective_from"] == meta["effective_from"]
        ]
        out.append(_version(meta, rows, seq))
    return out


@lru_cache(maxsize=1)
def shipped_rulebook() -> Rulebook:
    """Return the rulebook of the shipped tables alone (no database: plans, tests, previews)."""
    return Rulebook(shipped_versions())


def read_shortfall_file(path: Path) -> tuple[ShortfallBand, ...]:
    """Read a permitted-shortfall CSV (the shipped layout, or the older one without dates)."""
    spec = catalogue.SPECS["shortfall"]
    rows = read_csv(path)
    latest = max((r.get("effective_from", "") for r in rows), default="")
    rows = [r for r in rows if r.get("effective_from", "") == latest]
    own = {c.name for c in spec.columns} | {"status", "source"}
    typed, problems = catalogue.parse_rows(
        spec, [{k: v for k, v in r.items() if k in own} for r in rows]
    )
    if problems:
        raise ValueError(f"{path}: {problems[0].loc}: {problems[0].en}")
    bands = (
        ShortfallBand(
            r["nominal_from_g"], r["nominal_to_g"], r["deficiency_percent"], r["deficiency_g"]
        )
        for r in typed
    )
    return tuple(sorted(bands, key=lambda b: b.from_g))
