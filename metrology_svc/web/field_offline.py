"""The field page as an installable app that works offline.

Three things the browser fetches besides the page itself:

- the service worker (`/web/inspections/sw.js`, scope `/web/`): Workbox, pinned in
  package-lock.json and copied by scripts/build-js into static/vendor/, with this build's
  precache list (every shell file and its content hash) written into it here, so a changed
  script or style sheet makes a new worker version;
- the web app manifest (`/web/inspections/app.webmanifest`);
- the status list of the stamps at an inspection's site (`/web/inspections/{id}/stamps.json`):
  what a stamp scanned offline is checked against, after its signature is checked against the
  published keys (`/api/v1/stamps/keys`).

The worker keeps one user's pages at a time: the field pages and their status list carry the
header `X-Field-User`; a different user's answer, a log-in, a log-out or a redirect to the
login form empties that cache (see templates/field_sw.js).
"""

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.inspections.service import get_inspection
from metrology_svc.instrument_types.models import InstrumentType
from metrology_svc.instruments.models import Instrument
from metrology_svc.stamps import rules, texts
from metrology_svc.stamps.models import Stamp
from metrology_svc.web.render import STATIC

WORKER_SOURCE = Path(__file__).parent / "templates" / "field_sw.js"
USER_HEADER = "X-Field-User"
# The shell the worker keeps (served from the precache, refreshed when their content changes).
SHELL = (
    "web.css",
    "field.css",
    "field_store.js",
    "field_stamps.js",
    "inspection.js",
    "vendor/jsQR.js",
    "field-icon-192.png",
    "field-icon-512.png",
)
# Added to the worker's version; a test changes it to ship "a new version of the app".
BUILD_EXTRA = ""
_hashes: dict[tuple[str, float, int], str] = {}


def _revision(path: Path) -> str | None:
    """Return a short content hash of a file (memoised by its mtime and size), None if absent."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return _hashes[key]


def precache_list() -> list[dict[str, str]]:
    """Return the shell files present, each with its URL and content hash."""
    listed = [(f"/web/static/{name}", _revision(STATIC / name)) for name in SHELL]
    return [{"url": url, "revision": rev} for url, rev in listed if rev is not None]


def worker_source() -> str:
    """Return the service worker: Workbox's loader, this build's precache list and its version."""
    source = WORKER_SOURCE.read_text(encoding="utf-8")
    precache = precache_list()
    digest = hashlib.sha256(
        (json.dumps(precache) + (_revision(WORKER_SOURCE) or "") + BUILD_EXTRA).encode()
    ).hexdigest()[:12]
    build = {"version": digest, "precache": precache, "user_header": USER_HEADER}
    return source.replace("/*BUILD*/ {}", json.dumps(build, separators=(",", ":")))


def manifest(lang: str) -> dict[str, Any]:
    """Return the web app manifest in the page's language."""
    vi = lang != "en"
    return {
        "id": "/web/inspections",
        "name": "Kiểm tra đo lường tại hiện trường" if vi else "Metrology field inspection",
        "short_name": "Kiểm tra ĐL" if vi else "Field check",
        "lang": "vi" if vi else "en",
        "start_url": "/web/inspections",
        "scope": "/web/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f6c",
        "icons": [
            {"src": f"/web/static/field-icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ],
    }


def _titles() -> dict[str, list[str]]:
    return {state.value: [vi, en] for state, (vi, en, _avi, _aen) in texts.STATES.items()}


def status_list(
    session: Session, user: Principal, inspection_id: int, *, today: date, expiring_days: int
) -> dict[str, Any]:
    """Return every stamp of the instruments at the inspection's site with its state today
    (read-only; the inspection must be in the user's units)."""
    inspection, site, _unit = get_inspection(session, user, inspection_id)
    rows = session.exec(
        select(Stamp, Instrument, InstrumentType)
        .join(Instrument, col(Instrument.id) == Stamp.instrument_id)
        .join(InstrumentType, col(InstrumentType.code) == Instrument.type_code)
        .where(col(Instrument.site_id) == inspection.site_id)
        .order_by(col(Stamp.id))
    ).all()
    stamps = []
    for stamp, instrument, kind in rows:
        state, reason = rules.public_state(  # the public page's state, as staff pages say it
            stamp_status=stamp.status,
            revoke_reason=stamp.revoke_reason,
            instrument_status=instrument.status,
            valid_until=stamp.valid_until,
            today=today,
            expiring_days=expiring_days,
        )
        words = texts.reason_text(reason)
        stamps.append(
            {
                "id": stamp.id,
                "serial": stamp.serial,
                "instrument_id": stamp.instrument_id,
                "valid_until": stamp.valid_until.isoformat(),
                "stamp_status": str(stamp.status),
                "instrument_status": str(instrument.status),
                "state": state.value,
                "reason": reason,
                "reason_vi": words[0] if words else None,
                "reason_en": words[1] if words else None,
                "type_vi": kind.name_vi,
                "type_en": kind.name_en,
            }
        )
    return {
        "inspection_id": inspection_id,
        "site_id": site.id,
        "site_name": site.name,
        "synced_at": utcnow().isoformat(),
        "today": today.isoformat(),
        "expiring_days": expiring_days,
        "blocking": rules.BLOCKING_INSTRUMENT,
        "titles": _titles(),
        "stamps": stamps,
    }


# The words of the offline parts of the field page (Vietnamese first, English second).
WORDS: dict[str, tuple[str, str]] = {
    "checked_online": ("Kiểm tra trực tuyến với máy chủ", "Checked online with the server"),
    "checked_offline": (
        "Kiểm tra ngoại tuyến theo khóa công bố, trạng thái đồng bộ lúc {at}",
        "Checked offline against the published keys, status as synced at {at}",
    ),
    "checked_offline_nolist": (
        "Kiểm tra ngoại tuyến theo khóa công bố; chưa có danh sách trạng thái tem",
        "Checked offline against the published keys; no stamp status list synced yet",
    ),
    "no_keys": (
        "Chưa có khóa công bố trên máy này: không kiểm tra ngoại tuyến được",
        "No published keys on this device yet: cannot check offline",
    ),
    "no_crypto": (
        "Trình duyệt không kiểm tra được chữ ký Ed25519",
        "This browser cannot check Ed25519 signatures",
    ),
    "not_listed": (
        "Chữ ký đúng, nhưng tem không có trong danh sách của địa điểm này",
        "Genuine signature, but the stamp is not on this site's list",
    ),
    "valid_until": ("hiệu lực đến", "valid until"),
    "last_sync": ("Đồng bộ lần cuối", "Last synced"),
    "never_synced": ("chưa đồng bộ lần nào", "never synced"),
    "status_synced": ("Trạng thái tem đồng bộ lúc", "Stamp status synced at"),
    "queued_at": ("ghi lúc", "recorded at"),
    "offline_ready": ("Sẵn sàng dùng ngoại tuyến", "Ready to work offline"),
    "offline_not_ready": (
        "Chưa sẵn sàng ngoại tuyến: mở trang khi có mạng",
        "Not ready offline yet: open the page with a connection",
    ),
    "app_version": ("Phiên bản ứng dụng", "App version"),
    "no_storage": (
        "Trình duyệt không cho lưu dữ liệu (IndexedDB): mục vừa ghi chưa được lưu",
        "The browser refuses to store data (IndexedDB): the entry was not saved",
    ),
    "login_again": (
        "Phiên đăng nhập đã hết: đăng nhập lại để đồng bộ (các mục vẫn được giữ)",
        "The session has ended: log in again to sync (the entries are kept)",
    ),
}


def words(lang: str) -> dict[str, str]:
    """Return the offline words in the page's language."""
    pick = 1 if lang == "en" else 0
    return {key: pair[pick] for key, pair in WORDS.items()}
