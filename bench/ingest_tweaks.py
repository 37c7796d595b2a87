"""Proposed ingest changes, applied as monkeypatches inside the bench's processes only.

`python -m bench.ingest_field --tweaks a,b` (and bench.ingest_store) measures a proposal before
anyone edits devices/ or metrology_svc/: each tweak here is the exact change it stands for,
written as a patch of the running modules. tests/bench/test_ingest_tweaks.py shows each one
keeps what it replaces (same bytes, same text, same device state where it matters).
"""

import inspect
from collections.abc import Callable
from typing import Any

Patch = Callable[[Any, str, Any], None]  # setattr, or pytest's monkeypatch.setattr
TWEAKS: dict[str, Callable[[Patch], None]] = {}


def tweak(func: Callable[[Patch], None]) -> Callable[[Patch], None]:
    """Register a tweak under its function's name."""
    TWEAKS[func.__name__] = func
    return func


def native_acks() -> bool:
    """Tell whether the ingest in devices/ publishes end-to-end acks itself."""
    from devices import ingest, ingest_writer

    return any("ack_messages" in inspect.getsource(mod) for mod in (ingest, ingest_writer))


def apply(names: list[str], patch: Patch = setattr) -> str:
    """Apply the named tweaks; return whether the ingest publishes end-to-end acks."""
    for name in names:
        TWEAKS[name](patch)
    return "native" if native_acks() else "absent"


# --- proposals ------------------------------------------------------------------------------
# None waiting. The four measured here in December 2026 (coarse device touch, ack payload
# formatted directly, SQLite datetimes in one call, bigger batches) are now in devices/store.py,
# devices/acks.py, metrology_svc/readings/bulk.py and the settings' defaults, with their
# equivalence tests beside them. Add the next one as a @tweak function that patches the module.
