"""Rows that read as sentences: an instrument's history, a stamp's scans, a notice's deliveries.

Dates as dd/mm/yyyy, moments on Vietnam's clock, every code through the labels table: a page
in Vietnamese shows no stored key, no ISO date and no enum value.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from metrology_svc.web.i18n import words
from metrology_svc.web.labels import in_lang, label, unit_text
from metrology_svc.web.numbers import INSTRUMENT_UNITS
from metrology_svc.web.render import local, quantity_text


@dataclass(frozen=True, slots=True)
class Names:
    """Names the history points at by id (owners, sites), in the page language."""

    lang: str
    owners: Mapping[int, str] = field(default_factory=dict)
    sites: Mapping[int, str] = field(default_factory=dict)

    def say(self, vi: str, en: str) -> str:
        """Return the text of the page language."""
        return en if self.lang == "en" else vi


def day_text(value: object) -> str:
    """Return a date (a date, a datetime or an ISO string) as dd/mm/yyyy; "—" when absent."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return local(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def moment_text(at: datetime, lang: str) -> str:
    """Return a moment on Vietnam's clock: "14:05 ngày 03/12/2026" / "03/12/2026 at 14:05"."""
    shown = local(at)
    return (
        f"{shown:%d/%m/%Y} at {shown:%H:%M}"
        if lang == "en"
        else f"{shown:%H:%M} ngày {shown:%d/%m/%Y}"
    )


def _status(code: object, n: Names) -> str:
    return "—" if code in (None, "", "None") else label("instrument_status", code, n.lang)


def _value(key: str, value: Any, n: Names) -> str:
    if value is None or value == "":
        return "—"
    if key == "owner_id":
        return n.owners.get(value, f"#{value}")
    if key == "site_id":
        return n.sites.get(value, f"#{value}")
    if key == "role":
        return label("instrument_role", value, n.lang)
    if key == "type_code":
        return label("instrument_type", value, n.lang)
    if key == "status":
        return _status(value, n)
    if isinstance(value, bool):
        return n.say("có", "yes") if value else n.say("không", "no")
    if isinstance(value, int | float):
        unit = INSTRUMENT_UNITS.get(key)
        return f"{quantity_text(value)} {unit_text(unit, n.lang)}" if unit else quantity_text(value)
    return day_text(value) if isinstance(value, date) else str(value)


FIELD_WORDS = {"owner_id": "owner", "site_id": "site", "type_code": "type"}


def _changes(changes: Mapping[str, Any], n: Names) -> str:
    t = words(n.lang)
    parts = []
    for key, change in changes.items():
        name = t.get(FIELD_WORDS.get(key, key), key)
        old, new = (
            (change.get("from"), change.get("to")) if isinstance(change, dict) else (None, change)
        )
        a, b = _value(key, old, n), _value(key, new, n)
        parts.append(n.say(f"{name} từ {a} thành {b}", f"{name} from {a} to {b}"))
    return "; ".join(parts) + "." if parts else ""


def _verified(d: Mapping[str, Any], n: Names) -> str:
    on, result = (
        day_text(d.get("verified_on")),
        label("verification_result", d.get("result"), n.lang),
    )
    outcome = label("verification_outcome", d.get("outcome"), n.lang) if d.get("outcome") else ""
    text = n.say(f"Kiểm định ngày {on}: {result}", f"Verified on {on}: {result}")
    text += f" ({outcome})" if outcome else ""
    if d.get("valid_until"):
        until = day_text(d["valid_until"])
        text += n.say(f"; hiệu lực đến {until}", f"; valid until {until}")
    return text + "."


def _imported(d: Mapping[str, Any], n: Names) -> str:
    row = d.get("row", "—")
    if d.get("action") == "created":
        return n.say(f"Tạo mới từ dòng {row} của danh sách.", f"Created from row {row} of a list.")
    head = n.say(f"Cập nhật từ dòng {row} của danh sách", f"Updated from row {row} of a list")
    changes = _changes(d.get("changes") or {}, n)
    return f"{head}: {changes}" if changes else head + "."


def _status_changed(d: Mapping[str, Any], n: Names) -> str:
    a, b = _status(d.get("from"), n), _status(d.get("to"), n)
    text = n.say(f"Trạng thái từ {a} sang {b}.", f"Status from {a} to {b}.")
    if d.get("reason"):
        text += n.say(f" Lý do: {d['reason']}.", f" Reason: {d['reason']}.")
    return text


def _due_now(d: Mapping[str, Any], n: Names) -> str:
    due, before = day_text(d.get("due_date")), day_text(d.get("due_date_before"))
    why = label("stamp_reason", d["reason"], n.lang) if d.get("reason") else "—"
    return n.say(
        f"Hạn kiểm định chuyển về ngày {due} (trước đó {before}). Lý do: {why}.",
        f"Due date brought forward to {due} (was {before}). Reason: {why}.",
    )


def _stamp_revoked(d: Mapping[str, Any], n: Names) -> str:
    why = label("stamp_reason", d.get("reason") or "", n.lang)
    text = n.say(
        f"Thu hồi tem {d.get('serial')}. Lý do: {why}.",
        f"Stamp {d.get('serial')} revoked. Reason: {why}.",
    )
    if d.get("note"):
        text += n.say(f" Ghi chú: {d['note']}", f" Note: {d['note']}")
    return text


def _finding(d: Mapping[str, Any], n: Names) -> str:
    what = label("finding_kind", d.get("finding") or "", n.lang)
    text = n.say(
        f"Cuộc kiểm tra số {d.get('inspection_id')}: {what}",
        f"Inspection no. {d.get('inspection_id')}: {what}",
    )
    if d.get("to") and d.get("from") != d.get("to"):
        a, b = _status(d.get("from"), n), _status(d.get("to"), n)
        text += n.say(f"; trạng thái từ {a} sang {b}", f"; status from {a} to {b}")
    revoked = len(d.get("revoked_stamp_ids") or [])
    if revoked:
        text += n.say(f"; thu hồi {revoked} tem", f"; {revoked} stamp(s) revoked")
    return text + "."


def _measure(d: Mapping[str, Any], n: Names) -> str:
    what = label("measure_kind", d.get("measure") or "", n.lang)
    a, b = _status(d.get("from"), n), _status(d.get("to"), n)
    return n.say(
        f"Cuộc kiểm tra số {d.get('inspection_id')}: {what}; trạng thái từ {a} sang {b}.",
        f"Inspection no. {d.get('inspection_id')}: {what}; status from {a} to {b}.",
    )


def _registered(d: Mapping[str, Any], n: Names) -> str:
    kind = label("instrument_type", d.get("type_code") or "", n.lang)
    serial = d.get("serial")
    return n.say(f"Số sản xuất {serial}, loại {kind}.", f"Serial {serial}, type {kind}.")


def _transferred(d: Mapping[str, Any], n: Names) -> str:
    a, b = (
        _value("owner_id", d.get("from_owner_id"), n),
        _value("owner_id", d.get("to_owner_id"), n),
    )
    return n.say(f"Từ {a} sang {b}.", f"From {a} to {b}.")


def _suspect(d: Mapping[str, Any], n: Names) -> str:
    return in_lang(d.get("reason"), n.lang) + "."


def _request_closed(d: Mapping[str, Any], n: Names) -> str:
    outcome = in_lang(d.get("outcome"), n.lang)
    return n.say(
        f"Đề nghị kiểm tra số {d.get('request_id')}: {outcome}.",
        f"Inspection request no. {d.get('request_id')}: {outcome}.",
    )


HISTORY: dict[str, Callable[[Mapping[str, Any], Names], str]] = {
    "registered": _registered,
    "updated": lambda d, n: _changes(d, n),
    "verified": _verified,
    "verification_imported": _verified,
    "imported": _imported,
    "transferred": _transferred,
    "status_changed": _status_changed,
    "due_now": _due_now,
    "stamp_revoked": _stamp_revoked,
    "suspect": _suspect,
    "inspection_request_closed": _request_closed,
    "inspection_finding": _finding,
    "inspection_measure": _measure,
}


def history_sentence(kind: str, detail: Mapping[str, Any] | None, names: Names) -> str:
    """Return what a history entry says, as a sentence in the page language."""
    write = HISTORY.get(kind)
    if write is None:  # an entry of a kind this page does not know: its name, no raw detail
        return ""
    return write(detail or {}, names)


def scan_sentence(at: datetime, outcome: str, channel: str, lang: str) -> str:
    """Return a stamp scan as a sentence: when, through what, and what the scan was told."""
    state = label("stamp_state", outcome, lang)
    via = label("scan_channel", channel, lang)
    when = moment_text(at, lang)
    if lang == "en":
        return f"Scanned {when} through {via}: {state}."
    return f"Quét lúc {when} qua {via}: {state}."
