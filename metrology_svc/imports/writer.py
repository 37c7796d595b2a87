"""Write one checked chunk: new owners and sites, then instruments and events, in bulk."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from metrology_svc.audit.service import Entry, audit_many
from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.imports.repository import UPDATABLE, ImportRepository, table
from metrology_svc.imports.rules import OwnerIn, ParsedRow, SiteIn
from metrology_svc.instruments.models import InstrumentRole, InstrumentStatus
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.rulebook.book import Rulebook
from metrology_svc.sites.models import SiteKind
from metrology_svc.verifications.imported import (
    ImportedItem,
    InstrumentState,
    judged_new,
    record_imported_verifications,
)


@dataclass(frozen=True)
class Context:
    """What every write of one import shares: who, when, from which file, under which rules."""

    user: Principal
    today: date
    due_soon_days: int
    file_name: str
    rulebook: Rulebook


def _owners(
    repo: ImportRepository, new: dict[tuple[str, ...], OwnerIn], now: datetime
) -> dict[Any, int]:
    keys = list(new)
    rows = [
        {
            "kind": o.kind or OwnerKind.HOUSEHOLD.value,
            "name": o.name,
            "trade_name": o.trade_name,
            "tax_code": o.tax_code,
            "national_id": o.national_id,
            "phone": o.phone,
            "email": o.email,
            "language": o.language or Language.VI.value,
            "address": "",
            "created_at": now,
        }
        for o in new.values()
    ]
    return dict(zip(keys, repo.insert_ids("owner", rows), strict=True))


def _sites(
    repo: ImportRepository, new: dict[tuple[int, str], SiteIn], now: datetime
) -> dict[Any, int]:
    keys = list(new)
    rows = [
        {
            "kind": s.kind or SiteKind.OTHER.value,
            "name": s.name,
            "address": s.address or "",
            "latitude": None,
            "longitude": None,
            "unit_id": key[0],
            "created_at": now,
            "retired_at": None,
        }
        for key, s in new.items()
    ]
    return dict(zip(keys, repo.insert_ids("site", rows), strict=True))


def _event(instrument_id: int, actor: int | None, now: datetime, detail: dict[str, Any]) -> Any:
    return {
        "instrument_id": instrument_id,
        "at": now,
        "kind": "imported",
        "actor_user_id": actor,
        "detail": detail,
    }


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """Return an instrument row's stored values as the audit record keeps them."""
    return {k: _json(v) for k, v in row.items() if v is not None and k not in _NOT_AUDITED}


_NOT_AUDITED = frozenset({"created_at", "updated_at", "identity_key", "loose_key"})


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: OwnerIn | SiteIn) -> dict[str, Any]:
    """Return dataclasses.asdict(value) without its deep copy (its fields are plain values)."""
    out = {f.name: getattr(value, f.name) for f in fields(value)}
    return out if _SCALARS.issuperset(map(type, out.values())) else asdict(value)


JUDGED_KEPT = 50_000


def _judged(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return what a verification sets (status, due date, last verification) of a state's
    row(), the status as its stored text."""
    return (InstrumentStatus(row[0]).value, row[1], row[2])


class Writer:
    """Holds what every chunk needs: ids of new owners and sites, the clock, the actor."""

    def __init__(self, repo: ImportRepository, ctx: Context) -> None:
        self.repo, self.ctx = repo, ctx
        # Principal id 0 is the CLI's system principal: no account to point at.
        self.actor = ctx.user.user_id if ctx.user.user_id > 0 else None
        self.now = utcnow()
        self.owner_ids: dict[Any, int] = {}
        self.site_ids: dict[Any, int] = {}
        self.default_class = repo.default_classes()
        # The chunk's new instruments with a verification date: id -> their state as first
        # registered (what the verification is judged from) and the status, due date and last
        # verification they were inserted with (judged ahead: verifications.imported.judged_new).
        self.fresh: dict[int, tuple[InstrumentState, tuple[Any, ...]]] = {}
        # The judgement depends on the type, the date and the result only: made once per
        # triple (a list's rows share few dates), up to JUDGED_KEPT of them.
        self.judged: dict[tuple[str, date, bool], tuple[str, date | None, date | None]] = {}

    def ref(self, value: Any, ids: dict[Any, int]) -> int:
        """Return the id of an existing (int) or newly created (key) owner or site."""
        return value if isinstance(value, int) else ids[value]

    def creates(self, batch: list[tuple[ParsedRow, Any, Any]]) -> list[int]:
        """Insert new instruments and their events; return the ids. One without a verification
        date is registered with no due date; one with a date is inserted in the state its
        imported verification gives it (recorded by verifications(), which then finds nothing
        to update)."""
        columns = [c.name for c in table("instrument").columns if c.name != "id"]
        rows, judged, audited = [], [], []
        for parsed, owner, site in batch:
            row: dict[str, Any] = dict.fromkeys(columns)
            row.update(parsed.fields)
            row["accuracy_class"] = row["accuracy_class"] or self.default_class.get(
                parsed.fields["type_code"]
            )
            row["role"] = row["role"] or InstrumentRole.TRADE.value
            row["status"] = InstrumentStatus.REGISTERED.value  # a verification moves it
            row |= {"identity_key": parsed.identity_key, "created_at": self.now}
            row["loose_key"] = parsed.loose_key  # of the same type, maker and serial
            row |= {"owner_id": self.ref(owner, self.owner_ids), "updated_at": self.now}
            row["site_id"] = self.ref(site, self.site_ids)
            rows.append(row)
            audited.append(_fields(row))  # as created: the verification's record says the rest
            judged.append(self._judge_ahead(parsed, row))
        ids = self.repo.insert_ids("instrument", rows)
        for i, row, verified in zip(ids, rows, judged, strict=True):
            if verified:  # judged from its state as first registered: no dates
                first = InstrumentState(
                    i,
                    row["type_code"],
                    row["site_id"],
                    InstrumentStatus.REGISTERED,
                    None,
                    None,
                    self.now,
                )
                self.fresh[i] = (first, (row["status"], row["due_date"], row["last_verified_on"]))
        events = [
            _event(i, self.actor, self.now, {"action": "created", "row": p.row})
            for i, (p, _o, _s) in zip(ids, batch, strict=True)
        ]
        self.repo.insert_many("instrument_event", events)
        self._audit(
            Entry("instrument.import_create", "instrument", i, self._row(p, values))
            for i, (p, _o, _s), values in zip(ids, batch, audited, strict=True)
        )
        return ids

    def _judge_ahead(self, parsed: ParsedRow, row: dict[str, Any]) -> bool:
        """Set a new instrument's row to the state its verification will give it; tell
        whether it has a verification to record."""
        if parsed.verified_on is None:
            return False
        key = (row["type_code"], parsed.verified_on, parsed.result == "fail")
        found = self.judged.get(key)
        if found is None:
            ctx = self.ctx
            state = judged_new(
                key[0],
                key[1],
                failed=key[2],
                rulebook=ctx.rulebook,
                today=ctx.today,
                due_soon_days=ctx.due_soon_days,
            )
            if state is None:  # no cycle: recording it is refused, the row stays as it is
                return True
            found = InstrumentStatus(state.status).value, state.due_date, state.last_verified_on
            if len(self.judged) < JUDGED_KEPT:
                self.judged[key] = found
        row["status"], row["due_date"], row["last_verified_on"] = found
        return True

    def updates(self, batch: list[tuple[ParsedRow, dict[str, Any], dict[str, Any]]]) -> None:
        """Update changed instruments and append their "imported" events."""
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        audits: list[Entry] = []
        for parsed, stored, changes in batch:
            if "owner_id" in changes:
                changes["owner_id"] = self.ref(changes["owner_id"], self.owner_ids)
            if "site_id" in changes:
                changes["site_id"] = self.ref(changes["site_id"], self.site_ids)
            row = {k: stored[k] for k in UPDATABLE} | changes
            rows.append(row | {"id": stored["id"], "updated_at": self.now})
            diff = {k: {"from": _json(stored[k]), "to": _json(v)} for k, v in changes.items()}
            detail = {"action": "updated", "row": parsed.row, "changes": diff}
            events.append(_event(stored["id"], self.actor, self.now, detail))
            audits.append(
                Entry(
                    "instrument.import_update", "instrument", stored["id"], self._row(parsed, diff)
                )
            )
        self.repo.update_instruments(rows)
        self.repo.insert_many("instrument_event", events)
        self._audit(audits)

    def verifications(self, batch: list[tuple[ParsedRow, int]]) -> dict[int, date | None]:
        """Record each row's verification date as an imported one; return due dates by row."""
        if not batch:
            return {}
        # Judged on plain states, stored with one batched UPDATE: no ORM object per row. The
        # chunk's new instruments are not read back: they are as the writer inserted them.
        fresh, self.fresh = self.fresh, {}
        states = self.repo.instrument_states([i for _p, i in batch if i not in fresh])
        before = {i: state.row() for i, state in states.items()}
        for i, (state, inserted) in fresh.items():
            states[i] = state
            before[i] = (*inserted, state.updated_at)
        items = [
            ImportedItem(
                instrument=states[i],
                verified_on=p.verified_on,
                row=p.row,
                failed=p.result == "fail",
            )
            for p, i in batch
            if p.verified_on is not None
        ]
        record_imported_verifications(
            self.repo.session,
            self.ctx.user,
            items,
            file_name=self.ctx.file_name,
            rulebook=self.ctx.rulebook,
            today=self.ctx.today,
            due_soon_days=self.ctx.due_soon_days,
            new_ids=fresh.keys(),
        )
        # A new instrument judged ahead as the record judged it is stored as it is (its update
        # time stays the import's); any other change is written.
        changed = [s for i, s in states.items() if _judged(s.row()) != _judged(before[i])]
        self.repo.update_states(changed)
        return {item.row: item.instrument.due_date for item in items}

    def places(
        self, owners: dict[tuple[str, ...], OwnerIn], sites: dict[tuple[int, str], SiteIn]
    ) -> tuple[dict[Any, int], dict[Any, int]]:
        """Create the chunk's new owners and sites; return their ids by match key."""
        self.owner_ids = _owners(self.repo, owners, self.now)
        self.site_ids = _sites(self.repo, sites, self.now)
        self._audit(
            Entry("owner.import_create", "owner", self.owner_ids[key], self._file(_plain(owner)))
            for key, owner in owners.items()
        )
        self._audit(
            Entry("site.import_create", "site", self.site_ids[key], self._file(_plain(site)))
            for key, site in sites.items()
        )
        return self.owner_ids, self.site_ids

    def _file(self, detail: dict[str, Any]) -> dict[str, Any]:
        return {"file": self.ctx.file_name, **detail}

    def _row(self, parsed: ParsedRow, values: dict[str, Any]) -> dict[str, Any]:
        # The row's values are in the hashed record: an edit of the instrument afterwards, or
        # of this record, is told apart from what the file said.
        return self._file({"row": parsed.row, "values": values})

    def _audit(self, entries: Iterable[Entry]) -> None:
        """Append one audit record per row written, in one pass over the chain."""
        audit_many(self.repo.session, actor=self.ctx.user, entries=list(entries))
