"""The rulebook with a database: load the shipped tables, load an office's version, snapshot.

Nothing here commits: the CLI command, the request or the bootstrap owns the unit of work.
"""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from metrology_svc.audit.service import audit
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.rulebook import catalogue
from metrology_svc.rulebook.book import Rulebook, TableVersion
from metrology_svc.rulebook.cells import Problem
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.rulebook.repository import RuleRepository
from metrology_svc.rulebook.rules import RuleRef
from metrology_svc.rulebook.schemas import RuleTableCreate, RuleTablePublic, RuleTableSummary
from metrology_svc.rulebook.shipped import digest, shipped_versions

SHIPPED, LOADED = "shipped", "loaded"


def to_version(table: RuleTable) -> TableVersion:
    """Return the snapshot form of a stored version."""
    assert table.id is not None
    return TableVersion(
        id=table.id,
        code=table.code,
        version=table.version,
        title=table.title,
        effective_from=table.effective_from,
        effective_to=table.effective_to,
        status=table.status,
        binding=table.binding,
        source=table.source,
        rows=tuple(table.rows),
        loaded=table.origin == LOADED,
        seq=table.id,
    )


def load_rulebook(session: Session) -> Rulebook:
    """Return the rulebook as stored now (every version of every table)."""
    return Rulebook(
        to_version(t) for t in RuleRepository(session).all() if t.code in catalogue.SPECS
    )


def _label(existing: Sequence[RuleTable], version: TableVersion | RuleTableCreate) -> str:
    base = version.effective_from.isoformat()
    taken = {t.version for t in existing}
    if base not in taken:
        return base
    n = 2
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


def sync_shipped(session: Session) -> int:
    """Store each shipped version not stored yet (or changed by a release); return how many."""
    repo = RuleRepository(session)
    changed = 0
    for version in shipped_versions():
        existing = repo.by_code(version.code)
        fingerprint = digest(
            rows=version.rows,
            title=version.title,
            effective_to=version.effective_to,
            status=version.status,
            binding=version.binding,
            source=version.source,
        )
        same_day = [
            t
            for t in existing
            if t.origin == SHIPPED and t.effective_from == version.effective_from
        ]
        if same_day and same_day[-1].digest == fingerprint:
            continue
        repo.add(
            _row(version, label=_label(existing, version), origin=SHIPPED, fingerprint=fingerprint)
        )
        changed += 1
    return changed


def _row(version: TableVersion, *, label: str, origin: str, fingerprint: str) -> RuleTable:
    spec = catalogue.SPECS[version.code]
    return RuleTable(
        code=version.code,
        version=label,
        title=version.title,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        status=version.status,
        binding=version.binding,
        source=version.source,
        units=spec.units,
        rows=[dict(r) for r in version.rows],
        origin=origin,
        digest=fingerprint,
    )


def _refuse(problems: Sequence[Problem], spec_code: str) -> Invalid:
    shown = "; ".join(f"{'/'.join(str(p) for p in x.loc)}: {x.en}" for x in problems[:5])
    shown_vi = "; ".join(f"{'/'.join(str(p) for p in x.loc)}: {x.vi}" for x in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return Invalid(
        f"The {spec_code} table was not loaded: {shown}{more}.",
        message_vi=f"Chưa nạp bảng {spec_code}: {shown_vi}{more}.",
        details=[{"loc": list(p.loc), "msg": p.en, "msg_vi": p.vi} for p in problems[:100]],
    )


def _type_problems(code: str, rows: Sequence[dict[str, Any]], known: set[str]) -> list[Problem]:
    if code not in ("cycles", "dispenser_mpe"):
        return []
    named = {r["type_code"] for r in rows}
    out = [
        Problem(
            ("rows", i, "type_code"),
            f"unknown instrument type {r['type_code']!r}",
            f"không có loại phương tiện {r['type_code']!r}",
        )
        for i, r in enumerate(rows)
        if r["type_code"] not in known
    ]
    missing = sorted(known - named) if code == "cycles" else []
    if missing:
        out.append(
            Problem(
                ("rows",),
                f"every type needs a cycle; missing: {', '.join(missing)}",
                f"mọi loại phải có chu kỳ; còn thiếu: {', '.join(missing)}",
            )
        )
    return out


def _checked_rows(session: Session, data: RuleTableCreate) -> list[dict[str, str]]:
    spec = catalogue.spec_for(data.code)
    if spec is None:
        codes = ", ".join(catalogue.SPECS)
        raise Invalid(
            f"No rule table {data.code!r}; the tables are {codes}.",
            message_vi=f"Không có bảng quy định {data.code!r}; các bảng: {codes}.",
            loc=["body", "code"],
        )
    if data.units is not None and data.units != spec.units:
        raise Invalid(
            f"The units do not match the {spec.code} table: expected {spec.describe()}.",
            message_vi=f"Đơn vị không khớp bảng {spec.code}: cần {spec.describe()}.",
            loc=["body", "units"],
        )
    rows, problems = catalogue.parse_rows(spec, data.rows)
    if not problems:
        problems = _type_problems(spec.code, rows, RuleRepository(session).type_codes())
    if problems:
        raise _refuse(problems, spec.code)
    return [catalogue.stored(r) for r in rows]


def _audit(session: Session, actor: Principal | str | None, table: RuleTable) -> None:
    audit(
        session,
        actor=actor,
        action="rulebook.load",
        entity="rule_table",
        entity_id=table.id,
        detail={
            "code": table.code,
            "version": table.version,
            "effective_from": table.effective_from,
            "effective_to": table.effective_to,
            "status": table.status,
            "binding": table.binding,
            "source": table.source,
            "rows": len(table.rows),
            "digest": table.digest,
        },
    )


def load_table(
    session: Session, *, actor: Principal | str | None, data: RuleTableCreate
) -> RuleTable:
    """Validate and store a new version of a table, audited; the caller commits."""
    rows = _checked_rows(session, data)
    repo = RuleRepository(session)
    spec = catalogue.SPECS[data.code]
    source = data.source.strip()
    fingerprint = digest(
        rows=rows,
        title=spec.title,
        effective_to=data.effective_to,
        status=data.status,
        binding=data.binding,
        source=source,
    )
    table = repo.add(
        RuleTable(
            code=spec.code,
            version=_label(repo.by_code(spec.code), data),
            title=spec.title,
            effective_from=data.effective_from,
            effective_to=data.effective_to,
            status=data.status,
            binding=data.binding,
            source=source,
            units=spec.units,
            rows=rows,
            origin=LOADED,
            digest=fingerprint,
            loaded_by_user_id=actor.user_id
            if isinstance(actor, Principal) and actor.user_id > 0
            else None,
        )
    )
    _audit(session, actor, table)
    return table


def ref_of(table: RuleTable) -> RuleRef:
    """Return the reference of a stored version (table-level status and source)."""
    return to_version(table).ref()


def summary(table: RuleTable) -> RuleTableSummary:
    """Return the API shape of a version without rows."""
    return RuleTableSummary.model_validate(
        {
            **table.model_dump(exclude={"rows"}),
            "label": ref_of(table).label,
            "row_count": len(table.rows),
        }
    )


def public(table: RuleTable) -> RuleTablePublic:
    """Return the API shape of a version with rows."""
    return RuleTablePublic.model_validate({**summary(table).model_dump(), "rows": table.rows})


def versions_of(session: Session, code: str) -> list[RuleTable]:
    """Return the versions of a table, refusing an unknown code."""
    found = RuleRepository(session).by_code(code)
    if not found:
        raise NotFound(
            f"No rule table {code!r}; the tables are {', '.join(catalogue.SPECS)}.",
            message_vi=f"Không có bảng quy định {code!r}; các bảng: {', '.join(catalogue.SPECS)}.",
        )
    return found
