"""Payload rules of protocol v1, field by field; devices/schema/v1.json states the same rules.

The parser in devices/protocol.py builds its dataclasses from these checks. Each check raises
Bad(code, field); the parser turns that into a Rejection.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

SCHEMA_V1: Final = Path(__file__).with_name("v1.json")
MAX_PAYLOAD_BYTES: Final = 4096
MAX_MASS_G: Final = Decimal(1_000_000)
MAX_SEQ: Final = 2**63 - 1
MAX_ERROR_FLAGS: Final = 16
MAX_ACK_RANGES: Final = 200  # ranges in one end-to-end ack (devices/acks.py); more: more acks
FUTURE_SKEW: Final = timedelta(minutes=10)
EARLIEST: Final = datetime(2020, 1, 1, tzinfo=UTC)

UNITS: Final = {"g": Decimal(1), "kg": Decimal(1000)}

DEVICE_ID = re.compile(r"[a-z0-9-]{3,64}")
BOOT_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
LABEL = re.compile(r"[^\x00-\x1f\x7f]{1,32}")
STAMP_CODE = re.compile(r"[A-Za-z0-9-]{4,64}")
CODE = re.compile(r"[a-z0-9_]{1,32}")
FIRMWARE = re.compile(r"[\x20-\x7e]{1,32}")
TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)

REASONS: Final = {
    "topic": (
        "topic is not metrology/v1/{device}/readings|selfcheck|status",
        "chủ đề không đúng dạng metrology/v1/{thiết bị}/readings|selfcheck|status",
    ),
    "too_large": (
        f"payload larger than {MAX_PAYLOAD_BYTES} bytes",
        f"bản tin lớn hơn {MAX_PAYLOAD_BYTES} byte",
    ),
    "json": ("payload is not UTF-8 JSON", "bản tin không phải JSON UTF-8 hợp lệ"),
    "text": (
        "a text holds an unpaired surrogate escape (not Unicode)",
        "chuỗi có mã thay thế đơn lẻ (không phải Unicode hợp lệ)",
    ),
    "not_object": ("payload is not a JSON object", "bản tin không phải đối tượng JSON"),
    "version": ("unknown protocol version", "phiên bản giao thức không được hỗ trợ"),
    "kind_mismatch": ("payload kind does not match the topic", "loại bản tin không khớp chủ đề"),
    "missing": ("required field missing", "thiếu trường bắt buộc"),
    "unknown_field": ("unknown field", "trường không có trong giao thức"),
    "type": ("field has the wrong type", "trường sai kiểu dữ liệu"),
    "format": ("field has the wrong format", "trường sai định dạng"),
    "range": ("value out of range", "giá trị nằm ngoài phạm vi"),
    "mass_negative": ("mass is negative or zero", "khối lượng âm hoặc bằng không"),
    "mass_absurd": ("mass above 1000 kg", "khối lượng lớn hơn 1000 kg"),
    "seq_range": ("sequence number out of range", "số thứ tự nằm ngoài phạm vi"),
    "time_future": ("measured time too far in the future", "thời điểm đo ở quá xa trong tương lai"),
    "time_past": ("measured time before 2020", "thời điểm đo trước năm 2020"),
    "internal": ("payload could not be read", "không đọc được bản tin"),
}


class Bad(Exception):
    """A payload field broke a rule: a machine code and the field's dotted path."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code, self.field = code, field


def _no_constants(name: str) -> Any:
    raise Bad("json")  # NaN and Infinity are not JSON and not masses


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise Bad("json")  # a repeated key would make the payload mean two things
    return out


def shown(key: str) -> str:
    """Return a sender's own key as a rejection may name it: escaped ASCII, at most 64 characters.

    An unknown key is the sender's text, and it goes into the reason, the log line and the dead
    letter: NUL (which PostgreSQL text refuses), control characters and bidi overrides are
    written as escapes, so the dead letter can always be stored and read as it is.
    """
    return key.encode("unicode_escape").decode("ascii")[:64]


def fields(value: Any, *, required: set[str], optional: set[str], at: str) -> dict[str, Any]:
    """Return the object if it has every required key and no key outside the known ones."""
    if not isinstance(value, dict):
        raise Bad("type" if at else "not_object", at or None)
    for key in sorted(required - value.keys()):
        raise Bad("missing", at + key)
    for key in sorted(value.keys() - required - optional):
        raise Bad("unknown_field", at + shown(key))
    return value


def text(data: dict[str, Any], key: str, pattern: re.Pattern[str], at: str = "") -> str:
    """Return a string field that matches the whole pattern."""
    value = data[key]
    if not isinstance(value, str):
        raise Bad("type", at + key)
    if pattern.fullmatch(value) is None:
        raise Bad("format", at + key)
    return value


def integer(data: dict[str, Any], key: str, low: int, high: int, code: str = "range") -> int:
    """Return an integer field (JSON booleans are not integers) within [low, high]."""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise Bad("type", key)
    if not low <= value <= high:
        raise Bad(code, key)
    return int(value)


def flag(data: dict[str, Any], key: str) -> bool:
    """Return a boolean field."""
    value = data[key]
    if not isinstance(value, bool):
        raise Bad("type", key)
    return value


def grams(data: dict[str, Any], key: str, unit: str, *, positive: bool, at: str = "") -> Decimal:
    """Return a mass field converted exactly to grams, within 0 (or above it) .. 1000 kg."""
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise Bad("type", at + key)
    amount = Decimal(value)
    if amount < 0 or (positive and amount == 0):
        raise Bad("mass_negative", at + key)
    # Compare before multiplying: a huge exponent would overflow the decimal context.
    if amount > MAX_MASS_G or amount * UNITS[unit] > MAX_MASS_G:
        raise Bad("mass_absurd", at + key)
    return amount * UNITS[unit]


def moment(data: dict[str, Any], now: datetime) -> datetime:
    """Return the device-clock time of measurement, aware, neither before 2020 nor in the future."""
    try:
        at = datetime.fromisoformat(text(data, "measured_at", TIMESTAMP))
    except ValueError as exc:  # the shape matched but the date does not exist (month 13...)
        raise Bad("format", "measured_at") from exc
    if at > now + FUTURE_SKEW:
        raise Bad("time_future", "measured_at")
    if at < EARLIEST:
        raise Bad("time_past", "measured_at")
    return at


def head(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Return the fields every message carries: boot id, sequence number, time measured."""
    boot = text(data, "boot", BOOT_ID)
    return {
        "boot": boot,
        "seq": integer(data, "seq", 0, MAX_SEQ, "seq_range"),
        "measured_at": moment(data, now),
    }


def unit(data: dict[str, Any]) -> str:
    """Return the payload's mass unit (g or kg)."""
    value = data["unit"]
    if not isinstance(value, str) or value not in UNITS:
        raise Bad("format", "unit")
    return value


def check_text(text: str, value: Any) -> Any:
    """Return a decoded value, refusing strings JSON escapes made into lone surrogates.

    UTF-8 itself cannot carry a surrogate, but the escape "\\ud800" can; such a string passes
    the parser and then fails in the database driver, so it is refused here ("text"). Only a
    payload with an escape is walked.
    """
    if "\\u" not in text:
        return value
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise Bad("text") from exc
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return value


def load(payload: bytes) -> Any:
    """Return the decoded JSON of a payload of at most 4 KiB of UTF-8."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Bad("too_large")
    try:
        text = payload.decode("utf-8")
        return check_text(
            text,
            json.loads(
                text,
                parse_float=Decimal,
                parse_constant=_no_constants,
                object_pairs_hook=_no_duplicates,
            ),
        )
    except Bad:
        raise
    except (ValueError, RecursionError) as exc:
        raise Bad("json") from exc
