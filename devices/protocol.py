"""Control-scale protocol v1: topics, frozen payload dataclasses, encoder, never-raising parser.

Pure: no paho, no database. The JSON Schema for the same payloads is devices/schema/v1.json.
Every message of one boot shares one sequence, so (device, boot, seq) identifies it across kinds.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, Literal, get_args

from devices import schema as spec
from devices.schema import MAX_MASS_G as MAX_MASS_G
from devices.schema import MAX_PAYLOAD_BYTES as MAX_PAYLOAD_BYTES
from devices.schema import SCHEMA_V1 as SCHEMA_V1

VERSION: Final = 1
TOPIC_ROOT: Final = "metrology/v1"
Kind = Literal["reading", "selfcheck", "status"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
SUFFIX: Final[dict[Kind, str]] = {
    "reading": "readings",
    "selfcheck": "selfcheck",
    "status": "status",
}
_KIND_OF_SUFFIX: Final = {suffix: kind for kind, suffix in SUFFIX.items()}

# Goods categories a market's control scale sees most; codes travel, labels are for people.
GOODS_CATEGORIES: Final = {
    "thit_lon": "thịt lợn",
    "thit_bo": "thịt bò",
    "thit_ga": "thịt gà",
    "ca": "cá",
    "tom": "tôm",
    "rau": "rau",
    "cu_qua": "củ quả",
    "gao": "gạo",
    "trai_cay": "trái cây",
    "do_kho": "đồ khô",
    "khac": "khác",
}


@dataclass(frozen=True)
class SellerRef:
    """The seller a consumer check is about: a stall number or the stamp code of their scale."""

    kind: Literal["stall", "stamp"]
    value: str


@dataclass(frozen=True, kw_only=True)
class ConsumerCheck:
    """What a consumer re-weighing adds to a reading: who sold it, what was declared, what it is."""

    seller: SellerRef
    declared_g: Decimal
    category: str


@dataclass(frozen=True, kw_only=True)
class Reading:
    """A net mass shown by the control scale; with `check` it is a consumer re-weighing."""

    boot: str
    seq: int
    measured_at: datetime
    mass_g: Decimal
    stable: bool
    check: ConsumerCheck | None = None


@dataclass(frozen=True, kw_only=True)
class SelfCheck:
    """The control scale weighing a reference weight of known nominal mass."""

    boot: str
    seq: int
    measured_at: datetime
    nominal_g: Decimal
    mass_g: Decimal
    stable: bool
    weight_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Status:
    """The device's health: uptime, radio signal, firmware and error flags."""

    boot: str
    seq: int
    measured_at: datetime
    uptime_s: int
    firmware: str
    rssi_dbm: int | None = None
    errors: tuple[str, ...] = ()


Message = Reading | SelfCheck | Status


def kind_of(message: Message) -> Kind:
    """Return the kind of a message."""
    if isinstance(message, Reading):
        return "reading"
    return "selfcheck" if isinstance(message, SelfCheck) else "status"


@dataclass(frozen=True)
class ParsedMessage:
    """A valid message and the device whose topic it came on."""

    device_id: str
    message: Message

    @property
    def kind(self) -> Kind:
        """Return the message's kind."""
        return kind_of(self.message)


@dataclass(frozen=True)
class Rejection:
    """Why a payload was refused: a short machine code and a reason in English and Vietnamese."""

    code: str
    reason: str
    reason_vi: str
    device_id: str | None = None
    field: str | None = None


# --- topics ---------------------------------------------------------------------------------


def is_device_id(value: str) -> bool:
    """Tell whether a string is a valid device id ([a-z0-9-]{3,64})."""
    return spec.DEVICE_ID.fullmatch(value) is not None


def topic(device_id: str, kind: Kind) -> str:
    """Return the topic a device publishes a message kind on."""
    if not is_device_id(device_id):
        raise ValueError(f"invalid device id {device_id!r}")
    return f"{TOPIC_ROOT}/{device_id}/{SUFFIX[kind]}"


def device_topics(device_id: str) -> str:
    """Return the topic filter covering one device's topics (for ACLs)."""
    return topic(device_id, "reading").rsplit("/", 1)[0] + "/+"


def subscriptions(*, share_group: str | None = None) -> list[str]:
    """Return the filters for every device's data topics, optionally as shared subscriptions.

    One filter per kind, not `metrology/v1/+/+`: the ingest must not receive the acks it
    publishes on `metrology/v1/{device}/ack` (nor another ingest's).
    """
    patterns = [f"{TOPIC_ROOT}/+/{suffix}" for suffix in SUFFIX.values()]
    return [f"$share/{share_group}/{p}" for p in patterns] if share_group else patterns


ACK_SUFFIX: Final = "ack"


def ack_topic(device_id: str) -> str:
    """Return the topic the ingest publishes a device's end-to-end acknowledgements on."""
    if not is_device_id(device_id):
        raise ValueError(f"invalid device id {device_id!r}")
    return f"{TOPIC_ROOT}/{device_id}/{ACK_SUFFIX}"


def split_topic(value: str) -> tuple[str, Kind] | None:
    """Return (device id, kind) for a protocol topic, or None if it is not one."""
    parts = value.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != TOPIC_ROOT:
        return None
    kind = _KIND_OF_SUFFIX.get(parts[3])
    if kind is None or not is_device_id(parts[2]):
        return None
    return parts[2], kind


# --- encoding -------------------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    # JSON numbers go out as Python floats; refuse any mass a float would not carry exactly.
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"mass {value} has more digits than the protocol carries")
    return as_float


def _stamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("measured_at must carry a UTC offset")
    return at.isoformat()


def to_dict(message: Message) -> dict[str, Any]:
    """Return the JSON object for a message (masses in grams)."""
    out: dict[str, Any] = {"v": VERSION, "kind": kind_of(message), "boot": message.boot}
    out |= {"seq": message.seq, "measured_at": _stamp(message.measured_at)}
    if isinstance(message, Reading):
        out |= {"unit": "g", "mass": _number(message.mass_g), "stable": message.stable}
        if message.check is not None:
            check = message.check
            out["check"] = {
                "seller": {check.seller.kind: check.seller.value},
                "declared": _number(check.declared_g),
                "category": check.category,
            }
    elif isinstance(message, SelfCheck):
        out |= {"unit": "g", "nominal": _number(message.nominal_g)}
        out |= {"mass": _number(message.mass_g), "stable": message.stable}
        if message.weight_id is not None:
            out["weight"] = message.weight_id
    else:
        out |= {"uptime_s": message.uptime_s, "firmware": message.firmware}
        if message.rssi_dbm is not None:
            out["rssi_dbm"] = message.rssi_dbm
        out["errors"] = list(message.errors)
    return out


def encode(message: Message) -> bytes:
    """Return the UTF-8 JSON payload for a message."""
    return json.dumps(to_dict(message), ensure_ascii=False, separators=(",", ":")).encode()


# --- parsing --------------------------------------------------------------------------------

_HEAD: Final = {"v", "kind", "boot", "seq", "measured_at"}
_READING: Final = _HEAD | {"unit", "mass", "stable"}
# The key sets of a plain reading and of a consumer check: spec.fields would accept them as they
# are, so the check is skipped for the two shapes nearly every message has.
_READING_SHAPES: Final = (frozenset(_READING), frozenset(_READING | {"check"}))
# One decoder for every message (json.loads with options builds a new one per call); the same
# hooks as spec.load: numbers with a fraction become Decimal, NaN and repeated keys are refused.
_DECODER: Final = json.JSONDecoder(
    parse_float=Decimal,
    parse_constant=spec._no_constants,
    object_pairs_hook=spec._no_duplicates,
)


def _load(payload: bytes) -> Any:
    """Decode a payload of at most 4 KiB of UTF-8 JSON (spec.load, with a shared decoder)."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise spec.Bad("too_large")
    try:
        text = payload.decode("utf-8")
        return spec.check_text(text, _DECODER.decode(text))
    except spec.Bad:
        raise
    except (ValueError, RecursionError) as exc:
        raise spec.Bad("json") from exc


def _check(value: Any, unit: str) -> ConsumerCheck:
    data = spec.fields(
        value, required={"seller", "declared", "category"}, optional=set(), at="check."
    )
    seller = data["seller"]
    if not isinstance(seller, dict) or len(seller) != 1 or seller.keys() - {"stall", "stamp"}:
        raise spec.Bad("format", "check.seller")
    ref: Literal["stall", "stamp"] = "stall" if "stall" in seller else "stamp"
    pattern = spec.LABEL if ref == "stall" else spec.STAMP_CODE
    return ConsumerCheck(
        seller=SellerRef(ref, spec.text(seller, ref, pattern, "check.seller.")),
        declared_g=spec.grams(data, "declared", unit, positive=True, at="check."),
        category=spec.text(data, "category", spec.CODE, "check."),
    )


def _reading(data: dict[str, Any], now: datetime) -> Reading:
    if data.keys() not in _READING_SHAPES:
        spec.fields(data, required=_READING, optional={"check"}, at="")
    unit = spec.unit(data)
    check = _check(data["check"], unit) if "check" in data else None
    return Reading(
        **spec.head(data, now),
        mass_g=spec.grams(data, "mass", unit, positive=False),
        stable=spec.flag(data, "stable"),
        check=check,
    )


def _selfcheck(data: dict[str, Any], now: datetime) -> SelfCheck:
    spec.fields(
        data, required=_HEAD | {"unit", "nominal", "mass", "stable"}, optional={"weight"}, at=""
    )
    unit = spec.unit(data)
    weight = spec.text(data, "weight", spec.LABEL) if "weight" in data else None
    return SelfCheck(
        **spec.head(data, now),
        nominal_g=spec.grams(data, "nominal", unit, positive=True),
        mass_g=spec.grams(data, "mass", unit, positive=False),
        stable=spec.flag(data, "stable"),
        weight_id=weight,
    )


def _status(data: dict[str, Any], now: datetime) -> Status:
    spec.fields(
        data, required=_HEAD | {"uptime_s", "firmware", "errors"}, optional={"rssi_dbm"}, at=""
    )
    errors = data["errors"]
    if not isinstance(errors, list):
        raise spec.Bad("type", "errors")
    flags = tuple(spec.text({"errors": flag}, "errors", spec.CODE) for flag in errors)
    if len(flags) > spec.MAX_ERROR_FLAGS or len(set(flags)) != len(flags):
        raise spec.Bad("format", "errors")
    rssi = spec.integer(data, "rssi_dbm", -150, 0) if "rssi_dbm" in data else None
    return Status(
        **spec.head(data, now),
        uptime_s=spec.integer(data, "uptime_s", 0, spec.MAX_SEQ),
        firmware=spec.text(data, "firmware", spec.FIRMWARE),
        rssi_dbm=rssi,
        errors=flags,
    )


_BUILDERS: Final[dict[Kind, Callable[[dict[str, Any], datetime], Message]]] = {
    "reading": _reading,
    "selfcheck": _selfcheck,
    "status": _status,
}


def _message(kind: Kind, payload: bytes, now: datetime) -> Message:
    data = _load(payload)
    if not isinstance(data, dict):
        raise spec.Bad("not_object")
    version = data.get("v")
    if isinstance(version, bool) or version != VERSION:
        raise spec.Bad("version", "v")
    if data.get("kind") != kind:
        raise spec.Bad("kind_mismatch", "kind")
    return _BUILDERS[kind](data, now)


def rejection(code: str, *, device_id: str | None = None, field: str | None = None) -> Rejection:
    """Build a Rejection with its English and Vietnamese reasons."""
    en, vi = spec.REASONS.get(code, spec.REASONS["internal"])
    suffix = f": {field}" if field else ""
    return Rejection(code, en + suffix, vi + suffix, device_id, field)


def parse(topic: str, payload: bytes, *, now: datetime | None = None) -> ParsedMessage | Rejection:
    """Parse one MQTT message into a ParsedMessage or a Rejection; never raise."""
    device_id: str | None = None
    try:
        route = split_topic(topic) if isinstance(topic, str) else None
        if route is None:
            raise spec.Bad("topic")
        device_id, kind = route
        if not isinstance(payload, bytes | bytearray | memoryview):
            raise spec.Bad("json")
        message = _message(kind, bytes(payload), now or datetime.now(UTC))
        return ParsedMessage(device_id, message)
    except spec.Bad as bad:
        return rejection(bad.code, device_id=device_id, field=bad.field)
    except Exception:  # the contract is "never raises": anything unforeseen is a rejection
        return rejection("internal", device_id=device_id)
