"""Pure stamp rules: the token layout, the code alphabet, serials, states and scan geometry.

Token (75 bytes, Base32 120 characters, no padding since 75 is a multiple of 5):
    key_id u8 | stamp_id u32 BE | instrument_id u32 BE | valid_until u16 BE (days since
    2000-01-01) | Ed25519 signature (64 bytes) over SIGNING_CONTEXT + those 11 bytes.
Uppercase Base32 keeps the QR in alphanumeric mode (5.5 bits a character instead of 8).
"""

import base64
import ipaddress
import math
import re
import struct
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

SIGNING_CONTEXT = b"metrology-svc stamp v1\x00"
EPOCH = date(2000, 1, 1)
_FIELDS = struct.Struct(">BIIH")
PAYLOAD_LEN = _FIELDS.size  # 11
SIGNATURE_LEN = 64
TOKEN_LEN = PAYLOAD_LEN + SIGNATURE_LEN  # 75
CODE_LEN = TOKEN_LEN * 8 // 5  # 120
_CODE_CHARS = re.compile(r"^[A-Z2-7]+$")
USER_AGENT_MAX = 120
# RFC 4648 Base32 digits (A–Z = 0–25, 2–7 = 26–31) → the digits int(…, 32) reads (0–9, A–V).
_TO_INT_DIGITS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV"
)


@dataclass(frozen=True, slots=True)
class TokenFields:
    """What a stamp code asserts."""

    key_id: int
    stamp_id: int
    instrument_id: int
    valid_until: date


class MalformedCode(ValueError):
    """The text is not a stamp code at all (wrong alphabet or length)."""


def pack_fields(fields: TokenFields) -> bytes:
    """Return the 11 signed bytes of a token."""
    days = (fields.valid_until - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise ValueError(f"valid_until {fields.valid_until} is outside 2000-01-01 … 2179")
    return _FIELDS.pack(fields.key_id, fields.stamp_id, fields.instrument_id, days)


def signed_message(payload: bytes) -> bytes:
    """Return what the signature covers: a fixed context, then the payload."""
    return SIGNING_CONTEXT + payload


def encode_code(payload: bytes, signature: bytes) -> str:
    """Return the uppercase Base32 code of a payload and its signature."""
    if len(payload) != PAYLOAD_LEN or len(signature) != SIGNATURE_LEN:
        raise ValueError("payload or signature has the wrong length")
    return base64.b32encode(payload + signature).decode("ascii")


def decode_code(code: str) -> tuple[TokenFields, bytes, bytes]:
    """Return the fields, the payload and the signature of a code (any case, spaces ignored)."""
    text = "".join(code.split()).upper()
    if len(text) != CODE_LEN or not _CODE_CHARS.match(text):
        raise MalformedCode("not a stamp code")
    # 120 Base32 digits are exactly 600 bits = 75 bytes: read them as one base-32 integer
    # (C speed; the base64 module decodes Base32 in pure Python at about 30 µs a code).
    raw = int(text.translate(_TO_INT_DIGITS), 32).to_bytes(TOKEN_LEN, "big")
    payload, signature = raw[:PAYLOAD_LEN], raw[PAYLOAD_LEN:]
    key_id, stamp_id, instrument_id, days = _FIELDS.unpack(payload)
    fields = TokenFields(key_id, stamp_id, instrument_id, EPOCH + timedelta(days=days))
    return fields, payload, signature


def verify_url(base_url: str, code: str) -> str:
    """Return the public URL a stamp's QR carries."""
    return f"{base_url.rstrip('/')}/v/{code}"


def format_serial(pattern: str, *, issuer: str, year: int, seq: int) -> str:
    """Return a stamp serial from the pattern, e.g. "{issuer}-{yy}-{seq:06d}" → YB-26-000123."""
    return pattern.format(issuer=issuer, yy=f"{year % 100:02d}", yyyy=year, seq=seq)


class State(StrEnum):
    """What the verify page says about a scanned code."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    FORGED = "forged"
    UNKNOWN = "unknown"
    MALFORMED = "malformed"


# Instrument statuses that make a genuine, unexpired stamp unusable for trade.
BLOCKING_INSTRUMENT = {
    "suspended": "suspended",
    "failed": "failed",
    "retired": "retired",
    "not_to_be_used": "not_to_be_used",  # found in use without a valid stamp: until verified
}


def stamp_state(
    *,
    stamp_status: str,
    instrument_status: str,
    valid_until: date,
    today: date,
    expiring_days: int,
) -> tuple[State, str | None]:
    """Return the state of an issued stamp and the reason code when it is not usable."""
    if stamp_status != "valid":
        return State.REVOKED, None
    if instrument_status in BLOCKING_INSTRUMENT:
        return State.SUSPENDED, BLOCKING_INSTRUMENT[instrument_status]
    if valid_until < today:
        return State.EXPIRED, None
    if valid_until <= today + timedelta(days=expiring_days):
        return State.EXPIRING, None
    return State.VALID, None


def public_state(
    *,
    stamp_status: str,
    revoke_reason: str | None,
    instrument_status: str,
    valid_until: date,
    today: date,
    expiring_days: int,
) -> tuple[State, str | None]:
    """Return what the public page says of an issued stamp: its state and the reason code.

    The verify page, its JSON twin and the staff pages all ask this, so a stamp is never
    "valid" to the office while the public reads "suspended": a withdrawn stamp is revoked
    with its reason (a replaced one: "superseded"), a failed or suspended instrument suspends
    it, and past its date it has expired.
    """
    state, reason = stamp_state(
        stamp_status=stamp_status,
        instrument_status=instrument_status,
        valid_until=valid_until,
        today=today,
        expiring_days=expiring_days,
    )
    if state is State.REVOKED:
        reason = revoke_reason or "superseded"
    return state, reason


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=4096)
def coarse_network(host: str | None) -> str:
    """Return the client's /24 (IPv4) or /48 (IPv6) network, never the address itself."""
    if not host:
        return ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def short_user_agent(value: str | None) -> str:
    """Return the user agent cut to a length that names a browser but not much more."""
    return (value or "")[:USER_AGENT_MAX]
