"""The instrument page's rows: its stamps in the public page's words, its history's names."""

from datetime import date
from typing import Any

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.instruments.models import Instrument, InstrumentEvent
from metrology_svc.owners.repository import OwnerRepository
from metrology_svc.settings import Settings
from metrology_svc.sites.repository import SiteRepository
from metrology_svc.stamps import service as stamps
from metrology_svc.stamps.models import Stamp
from metrology_svc.stamps.rules import public_state
from metrology_svc.web.labels import label
from metrology_svc.web.sentences import Names, scan_sentence

# The badge colour of a stamp state (the badge classes of web.css).
TONES = {
    "valid": "valid",
    "expiring": "due",
    "expired": "overdue",
    "revoked": "revoked",
    "suspended": "suspended",
}


def names_of(session: Session, events: list[InstrumentEvent], lang: str) -> Names:
    """Return the names of the owners and sites the history points at."""
    owners: dict[int, str] = {}
    sites: dict[int, str] = {}
    for e in events:
        detail = e.detail or {}
        changes = detail.get("changes", detail)
        for key, found in (("owner_id", owners), ("site_id", sites)):
            change = changes.get(key) if isinstance(changes, dict) else None
            ids = [change.get("from"), change.get("to")] if isinstance(change, dict) else []
            found.update(dict.fromkeys((i for i in ids if isinstance(i, int)), ""))
        for key in ("from_owner_id", "to_owner_id"):
            if isinstance(detail.get(key), int):
                owners[detail[key]] = ""
    repo, site_repo = OwnerRepository(session), SiteRepository(session)
    for oid in owners:
        o = repo.get(oid)
        owners[oid] = (o.trade_name or o.name) if o else f"#{oid}"
    for sid in sites:
        found_site = site_repo.get_with_unit(sid)
        sites[sid] = found_site[0].name if found_site else f"#{sid}"
    return Names(lang=lang, owners=owners, sites=sites)


def stamp_row(
    session: Session,
    user: Principal,
    stamp: Stamp,
    instrument: Instrument,
    *,
    lang: str,
    today: date,
    settings: Settings,
) -> dict[str, Any]:
    """Return a stamp as the staff page shows it: the public page's state, its latest scans."""
    state, reason = public_state(
        stamp_status=stamp.status,
        revoke_reason=stamp.revoke_reason,
        instrument_status=instrument.status,
        valid_until=stamp.valid_until,
        today=today,
        expiring_days=settings.stamp_expiring_days,
    )
    scans = stamps.scans_of(session, user, stamp.id or 0, limit=10)
    return {
        "stamp": stamp,
        "state": state.value,
        "tone": TONES.get(state.value, "revoked"),
        "reason": label("stamp_reason", reason, lang) if reason else "",
        "scans": [scan_sentence(sc.at, sc.outcome, sc.channel, lang) for sc in scans],
    }
