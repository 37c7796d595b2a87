"""Hypothesis strategies for whole MQTT messages to the ingest: valid ones and all kinds of garbage.

A drawn `Draft` is a topic and a payload recipe. Valid messages, and valid shapes with a hostile
field, leave their (boot, seq) to the test (`Draft.render(boot, seq)`): hypothesis draws the
same shape many times, and the test gives each one a key never used before, so a message the
parser accepts is a new reading and not a duplicate of an earlier draw. A draw that makes boot or
seq itself hostile keeps what it drew (`Shaped.own`), with the other half of the key made unique.

Families (see `drafts`): valid messages written by protocol.encode; valid shapes with hostile
strings (lone surrogate escapes, NUL, bidi and control characters, huge strings), hostile numbers
(1e400, -0, thousands of digits, NaN text), deep nesting, wrong types, dropped and unknown
fields; random JSON of any shape; truncated messages, binary bytes, invalid UTF-8; payloads
around and above 4 KiB; valid payloads on another kind's topic; topics of an unknown device,
of malformed device ids, and topics the ingest does not subscribe to.
"""

import copy
import functools
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

from hypothesis import strategies as st

from devices import protocol
from devices import schema as spec
from devices.protocol import ConsumerCheck, Message, Reading, SelfCheck, SellerRef, Status
from tests.devices import payloads

UNKNOWN_DEVICE: Final = "cs-unknown-01"
# Characters a text field may hold and that make trouble downstream: NUL (PostgreSQL refuses it
# in text), bidi overrides and isolates, zero-width and byte-order marks, line and paragraph
# separators, C1 controls, the last code point, combining marks, SQL and format-string bait.
SPECIAL_TEXT: Final = [
    "\x00",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\u0085",
    "\x9b",
    "\x7f",
    "\x1b[31m",
    "\uffff",
    "\U0010ffff",
    "\U0001f41f",
    "e\u0301",
    "Sạp Ạ-12",
    "'; DROP TABLE reading; --",
    "%s%n",
    '\\"',
]
# Unpaired UTF-16 surrogates: JSON text may spell them as escapes ("\ud800"); UTF-8 cannot.
SURROGATES: Final = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
# Number spellings Python's json.dumps never writes, each a JSON edge (some are not JSON at all).
NUMBER_TEXT: Final = [
    "1e400",
    "-1e400",
    "1e-400",
    "5e-324",
    "1.7976931348623157e309",
    "-0",
    "-0.0",
    "0e0",
    "1E+2",
    "0.000000000000000000000000000001",
    "123456789.123456789123456789",
    "1000.000000000000000000001",
    "999999.9999999999999999999",
    "NaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "nan",
    "1.",
    ".5",
    "01",
    "+1",
    "0x10",
    "1_000",
    "9223372036854775808",
    "-9223372036854775809",
]
# Masses and counters at and just past the protocol's limits.
EDGE_NUMBERS: Final = [0, 1, -1, 1000, 1000.001, 1_000_000, 1_000_001, 2**63 - 1, 2**63, 2**64]
FIELD_NAMES: Final = [
    "v",
    "kind",
    "boot",
    "seq",
    "measured_at",
    "unit",
    "mass",
    "stable",
    "check",
    "seller",
    "stall",
    "stamp",
    "declared",
    "category",
    "nominal",
    "weight",
    "uptime_s",
    "firmware",
    "rssi_dbm",
    "errors",
]
# Whole-minute offsets only: the protocol's timestamps carry ±HH:MM.
OFFSETS: Final = [timezone(timedelta(minutes=m)) for m in (0, 420, -210, 840, -720, 345)]


@dataclass(frozen=True)
class Raw:
    """A JSON fragment written as it is: numbers Python would not write, deep nesting, NaN."""

    text: str


def dumps(value: Any, *, ascii_only: bool) -> str:
    """Write JSON with Raw fragments kept verbatim; strings escaped or not as asked.

    With ascii_only, a lone surrogate becomes the escape "\\ud800"; without, it stays a code
    point and encode_text turns it into bytes that are not UTF-8.
    """
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        members = (
            f"{dumps(str(k), ascii_only=ascii_only)}:{dumps(v, ascii_only=ascii_only)}"
            for k, v in value.items()
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v, ascii_only=ascii_only) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=ascii_only)


def encode_text(text: str) -> bytes:
    """Return the text's UTF-8 bytes, lone surrogates written as their (invalid) 3-byte forms."""
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Valid:
    """A message that protocol.encode writes, given a fresh (boot, seq) by the test."""

    message: Message

    def render(self, boot: str, seq: int) -> bytes:
        """Return the encoded message with this key."""
        return protocol.encode(replace(self.message, boot=boot, seq=seq))


@dataclass(frozen=True)
class Shaped:
    """A JSON object, maybe hostile, whose boot and seq the test fills in unless drawn (`own`).

    `size` pads the payload with trailing spaces (valid JSON whitespace) to that many bytes.
    """

    body: dict[str, Any]
    ascii_only: bool = True
    size: int | None = None
    own: frozenset[str] = field(default_factory=frozenset)

    def render(self, boot: str, seq: int) -> bytes:
        """Return the payload; when seq was drawn, the boot is made unique instead."""
        body = dict(self.body)
        if "seq" in self.own:
            boot = f"{boot}-{seq}"
        if "boot" not in self.own:
            body["boot"] = boot
        if "seq" not in self.own:
            body["seq"] = seq
        data = encode_text(dumps(body, ascii_only=self.ascii_only))
        if self.size is not None and len(data) < self.size:
            data += b" " * (self.size - len(data))
        return data


@dataclass(frozen=True)
class Mangled:
    """A valid message's bytes, cut short or with bytes spliced in (not UTF-8, say)."""

    valid: Valid
    cut: int | None = None
    splice: bytes = b""
    at: int = 0

    def render(self, boot: str, seq: int) -> bytes:
        """Return the damaged bytes of the valid message with this key."""
        data = self.valid.render(boot, seq)
        if self.splice:
            at = self.at % (len(data) + 1)
            data = data[:at] + self.splice + data[at:]
        if self.cut is not None:
            data = data[: self.cut % max(len(data), 1)]
        return data


@dataclass(frozen=True)
class Draft:
    """One message to publish: a topic and a payload (fixed bytes, or a recipe given a key)."""

    topic: str
    payload: bytes | Valid | Shaped | Mangled

    def __repr__(self) -> str:
        # Short: hypothesis prints a failing batch, and payloads may hold 6,000-character strings.
        return f"Draft({self.topic[:100]!r}, {repr(self.payload)[:200]})"

    def render(self, boot: str, seq: int) -> bytes:
        """Return the payload bytes, with (boot, seq) where the recipe takes them."""
        if isinstance(self.payload, bytes):
            return self.payload
        return self.payload.render(boot, seq)


# --- strings and numbers --------------------------------------------------------------------
# Every strategy is built once, at import: building and validating strategies inside a draw
# costs more than the draw itself (tens of milliseconds per message).


def _repeat(piece: str, times: int) -> str:
    return piece * times


# Long strings from two draws (a piece and a count): hypothesis limits what one example holds.
HUGE_STRINGS: Final = st.builds(
    _repeat,
    st.sampled_from(["x", "Ạ", "\U0001f41f", "\x00", "\\", '"', "\ud800", "ab"]),
    st.integers(33, 6000),
)
# Strings made of anything, special characters and lone surrogates mixed in; some huge.
HOSTILE_STRINGS: Final = st.one_of(
    st.lists(
        st.one_of(
            st.sampled_from(SPECIAL_TEXT),
            st.sampled_from(SURROGATES),
            st.text(max_size=6),
            st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        ),
        max_size=5,
    ).map("".join),
    HUGE_STRINGS,
)


def _digits(n: int, digit: str) -> Raw:
    return Raw(digit * n)


def _tiny(n: int) -> Raw:
    return Raw("0." + "0" * n + "1")


# Numbers as Python writes them, as no Python value writes them, and far out of range.
HOSTILE_NUMBERS: Final = st.one_of(
    st.sampled_from([Raw(t) for t in NUMBER_TEXT]),
    st.sampled_from(EDGE_NUMBERS),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=True, allow_infinity=True).map(lambda d: Raw(str(d))),
    st.builds(_digits, st.integers(16, 5000), st.sampled_from("19")),
    st.builds(_tiny, st.integers(10, 4000)),
)


def _nest(depth: int, opener: str, closed: bool) -> Raw:
    closer = "]" if opener == "[" else "}"
    return Raw(opener * depth + ("1" + closer * depth if closed else ""))


# Arrays or objects nested a few to thousands deep, closed or left open.
DEEP_NESTING: Final = st.builds(
    _nest, st.integers(1, 20000), st.sampled_from(["[", '{"a":']), st.booleans()
)


def _json_values(max_leaves: int) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=10),
        HOSTILE_STRINGS,
        st.sampled_from([Raw(t) for t in NUMBER_TEXT]),
    )
    keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8))
    return st.recursive(
        scalars,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
        max_leaves=max_leaves,
    )


# Any JSON value (and a few not-quite-JSON leaves), of any shape; small ones for inside a field.
JSON_VALUES: Final = _json_values(8)
SMALL_JSON_VALUES: Final = _json_values(3)
# What a hostile draw puts in a field: bad text, bad numbers, nesting, any other type.
FIELD_VALUES: Final = st.one_of(HOSTILE_STRINGS, HOSTILE_NUMBERS, DEEP_NESTING, SMALL_JSON_VALUES)
# Bytes that make a payload not UTF-8: stray, truncated, overlong, surrogate, beyond U+10FFFF.
NOT_UTF8: Final = st.sampled_from(
    [b"\xff", b"\xc3", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xfe\xff"]
)


# --- valid messages -------------------------------------------------------------------------

# Stall numbers and weight ids: 1-32 characters, no C0 control (bidi, C1, emoji are fine).
# (A text over one character set is a single draw; a set mixed from strategies is one per
# character, so the special characters come as whole labels instead.)
LABELS: Final = st.one_of(
    st.text(
        st.characters(min_codepoint=0x20, codec="utf-8", exclude_characters="\x7f"),
        min_size=1,
        max_size=32,
    ),
    st.sampled_from(
        [
            *("\u202eA-12", "\u2066Sạp\u2069", "\ufeff", "\u2028", "\x85\x9b", " ", "%s%n"),
            *("\U0010ffff" * 32, "e\u0301" * 16, "\U0001f41f" * 32, "'; DROP TABLE reading; --"),
        ]
    ),
)
CODES: Final = st.one_of(
    st.sampled_from(sorted(protocol.GOODS_CATEGORIES)),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=32),
)
STAMP_CODES: Final = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-", min_size=4, max_size=64
)
FIRMWARES: Final = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=32
)


def _milligrams(mg: int) -> Decimal:
    return Decimal(mg).scaleb(-3)


def _grams(*, positive: bool) -> st.SearchStrategy[Decimal]:
    """Masses the protocol carries exactly: up to 1000 kg in steps of a milligram (one draw)."""
    return st.integers(1 if positive else 0, int(spec.MAX_MASS_G) * 1000).map(_milligrams)


_SINCE: Final = datetime(2020, 1, 2, tzinfo=UTC)


def _moment(seconds: int, micros: int, offset: timezone) -> datetime:
    return (_SINCE + timedelta(seconds=seconds, microseconds=micros)).astimezone(offset)


# Device-clock times from 2020 to mid-2026 with whole-minute UTC offsets, never in the future
# (three draws, where st.datetimes takes eight).
MOMENTS: Final = st.builds(
    _moment,
    st.integers(0, 6 * 365 * 86400),
    st.sampled_from([0, 1, 500000, 999999]) | st.integers(0, 999999),
    st.sampled_from(OFFSETS),
)
# A seller by stall (any label) or by stamp code, a declared mass and a goods code.
CONSUMER_CHECKS: Final = st.builds(
    ConsumerCheck,
    seller=st.one_of(
        st.builds(SellerRef, st.just("stall"), LABELS),
        st.builds(SellerRef, st.just("stamp"), STAMP_CODES),
    ),
    declared_g=_grams(positive=True),
    category=CODES,
)
# Valid messages of each kind; boot and seq are placeholders the test replaces.
_HEAD: Final = {"boot": st.just("boot"), "seq": st.just(0), "measured_at": MOMENTS}
VALID_MESSAGES: Final[dict[protocol.Kind, st.SearchStrategy[Message]]] = {
    "reading": st.builds(
        Reading,
        **_HEAD,
        mass_g=_grams(positive=False),
        stable=st.booleans(),
        check=st.none() | CONSUMER_CHECKS,
    ),
    "selfcheck": st.builds(
        SelfCheck,
        **_HEAD,
        nominal_g=_grams(positive=True),
        mass_g=_grams(positive=False),
        stable=st.booleans(),
        weight_id=st.none() | LABELS,
    ),
    "status": st.builds(
        Status,
        **_HEAD,
        uptime_s=st.integers(0, spec.MAX_SEQ),
        firmware=FIRMWARES,
        rssi_dbm=st.none() | st.integers(-150, 0),
        errors=st.lists(CODES, unique=True, max_size=spec.MAX_ERROR_FLAGS).map(tuple),
    ),
}
KINDS: Final = st.sampled_from(protocol.KINDS)
VALID_ANY: Final = KINDS.flatmap(lambda kind: st.tuples(st.just(kind), VALID_MESSAGES[kind]))


# --- topics ---------------------------------------------------------------------------------

# Device ids the protocol refuses (case, length, characters) and the empty level. Nothing
# Mosquitto refuses in a topic (NUL, control characters, surrogates, non-characters, wildcards):
# it would cut the publisher off.
MALFORMED_DEVICE_IDS: Final = st.one_of(
    st.sampled_from(["", "ab", "CS-TEST-01", "cs_test_01", "cs test", "x" * 65, "cs-tëst"]),
    st.text(
        st.characters(categories=["L", "M", "N", "P", "S", "Zs"], exclude_characters="/+#"),
        max_size=80,
    ),
)
# Who a data topic names: the market's device (most often), an unknown one, a malformed id.
_WHO: Final = st.sampled_from(["market", "market", "market", "unknown", "malformed"])


@st.composite
def topics(draw: st.DrawFn, device_id: str, kind: protocol.Kind | None = None) -> str:
    """A data topic of the kind (or any kind): the market's device, an unknown or malformed one."""
    suffix = protocol.SUFFIX[kind if kind is not None else draw(KINDS)]
    who = draw(_WHO)
    if who == "market":
        name = device_id
    else:
        name = UNKNOWN_DEVICE if who == "unknown" else draw(MALFORMED_DEVICE_IDS)
    return f"{protocol.TOPIC_ROOT}/{name}/{suffix}"


# --- payload families -----------------------------------------------------------------------

_BASES: Final[dict[str, tuple[protocol.Kind, dict[str, Any]]]] = {
    "reading": ("reading", payloads.reading()),
    "plain": ("reading", {k: v for k, v in payloads.reading().items() if k != "check"}),
    "selfcheck": ("selfcheck", payloads.selfcheck()),
    "status": ("status", payloads.status()),
}
BASE_NAMES: Final = st.sampled_from(sorted(_BASES))
_ACTIONS: Final = st.sampled_from(["set", "set", "set", "drop", "add"])
_NEW_KEYS: Final = st.one_of(st.sampled_from(FIELD_NAMES), HOSTILE_STRINGS)


def _paths(value: Any, at: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in nested objects (objects themselves included)."""
    out: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*at, key))
            out.extend(_paths(item, (*at, key)))
    return out


def _parent(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = body
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _mutate(draw: st.DrawFn, body: dict[str, Any], own: set[str]) -> None:
    """Replace, drop or add one field somewhere in the object (in place)."""
    paths = _paths(body)
    if not paths:
        return
    path = paths[draw(st.integers(0, len(paths) - 1))]
    parent, action = _parent(body, path), draw(_ACTIONS)
    if not isinstance(parent, dict):
        return
    if action == "add":
        parent[draw(_NEW_KEYS)] = draw(FIELD_VALUES)
        return
    if action == "drop":
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = draw(FIELD_VALUES)
    if path in (("boot",), ("seq",)):
        own.add(path[0])


@st.composite
def hostile_shapes(draw: st.DrawFn, device_id: str) -> Draft:
    """A valid payload object with one to three fields replaced, dropped or added."""
    kind, base = _BASES[draw(BASE_NAMES)]
    body, own = copy.deepcopy(base), set[str]()
    for _ in range(draw(st.integers(1, 3))):
        _mutate(draw, body, own)
    # Mostly on its own kind's topic of the market's device, else wherever `topics` sends it.
    topic = (
        draw(topics(device_id, kind)) if draw(st.booleans()) else protocol.topic(device_id, kind)
    )
    return Draft(topic, Shaped(body, ascii_only=draw(st.booleans()), own=frozenset(own)))


@st.composite
def valid_drafts(draw: st.DrawFn, device_id: str) -> Draft:
    """A valid message on its own kind's topic of the market's device."""
    kind, message = draw(VALID_ANY)
    return Draft(protocol.topic(device_id, kind), Valid(message))


@st.composite
def misrouted_drafts(draw: st.DrawFn, device_id: str) -> Draft:
    """A valid message on another kind's topic, or a valid message from an unknown device."""
    kind, message = draw(VALID_ANY)
    other = protocol.KINDS[(protocol.KINDS.index(kind) + draw(st.integers(1, 2))) % 3]
    to = draw(st.sampled_from([(device_id, other), (UNKNOWN_DEVICE, kind)]))
    return Draft(protocol.topic(*to), Valid(message))


@st.composite
def damaged_drafts(draw: st.DrawFn, device_id: str) -> Draft:
    """Binary bytes, a truncated valid message, or one with bytes that are not UTF-8."""
    topic = draw(topics(device_id))
    choice = draw(st.sampled_from(["binary", "cut", "splice"]))
    if choice == "binary":
        return Draft(topic, draw(st.binary(max_size=300)))
    valid = Valid(draw(VALID_ANY)[1])
    if choice == "cut":
        return Draft(topic, Mangled(valid, cut=draw(st.integers(0, 400))))
    return Draft(topic, Mangled(valid, splice=draw(NOT_UTF8), at=draw(st.integers(0, 400))))


# Objects that look like protocol messages, so random values reach the field checks.
PROTOCOLISH: Final = st.fixed_dictionaries(
    {"v": st.one_of(st.just(1), SMALL_JSON_VALUES), "kind": KINDS},
    optional=dict.fromkeys(FIELD_NAMES[2:], SMALL_JSON_VALUES),
)
ANY_JSON: Final = st.one_of(JSON_VALUES, PROTOCOLISH, DEEP_NESTING)


@st.composite
def random_json_drafts(draw: st.DrawFn, device_id: str) -> Draft:
    """Any JSON on a data topic: arbitrary values, or objects with protocol-like keys."""
    topic = draw(topics(device_id))
    text = dumps(draw(ANY_JSON), ascii_only=draw(st.booleans()))
    return Draft(topic, encode_text(text))


_SIZES: Final = st.sampled_from(
    [spec.MAX_PAYLOAD_BYTES + d for d in (-1, 0, 1)] + [2 * spec.MAX_PAYLOAD_BYTES, 65536]
)


@st.composite
def oversize_drafts(draw: st.DrawFn, device_id: str) -> Draft:
    """A valid payload padded to just under, at, and past the 4 KiB limit, or far past it."""
    kind, base = _BASES[draw(BASE_NAMES)]
    return Draft(protocol.topic(device_id, kind), Shaped(base, size=draw(_SIZES)))


def ignored_drafts(device_id: str) -> st.SearchStrategy[Draft]:
    """Messages on topics the ingest does not subscribe to (its own ack topic among them)."""
    ack = json.dumps({"v": 1, "kind": "ack", "boot": "b", "seqs": [[0, 1]]}).encode()
    root = protocol.TOPIC_ROOT
    names = [
        protocol.ack_topic(device_id),
        f"{root}/{device_id}/reading",
        f"{root}/{device_id}/readings/extra",
        f"metrology/v2/{device_id}/readings",
    ]
    return st.builds(Draft, st.sampled_from(names), st.just(ack))


@functools.cache
def drafts(device_id: str) -> st.SearchStrategy[Draft]:
    """One message of any family for a market's device; valid ones and hostile shapes most."""
    return st.one_of(
        valid_drafts(device_id),
        hostile_shapes(device_id),
        valid_drafts(device_id),
        hostile_shapes(device_id),
        random_json_drafts(device_id),
        damaged_drafts(device_id),
        misrouted_drafts(device_id),
        oversize_drafts(device_id),
        ignored_drafts(device_id),
    )


def _shaped(base: dict[str, Any], *path_value: tuple[tuple[str, ...], Any]) -> Shaped:
    body = copy.deepcopy(base)
    for path, value in path_value:
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return Shaped(body)


def named_cases(device_id: str) -> list[Draft]:
    """One of each case the issue names, sent first whatever hypothesis draws after them."""
    reading, status = payloads.reading(), payloads.status()
    stall, mass = ("check", "seller", "stall"), ("mass",)
    at = datetime(2026, 11, 22, 8, 15, 30, tzinfo=timezone(timedelta(hours=7)))
    plain = Valid(Reading(boot="b", seq=0, measured_at=at, mass_g=Decimal("1.5"), stable=True))
    check = SelfCheck(
        boot="b", seq=0, measured_at=at, nominal_g=Decimal(2000), mass_g=Decimal(2001), stable=True
    )
    own = protocol.topic(device_id, "reading")
    shaped = [
        _shaped(reading, (stall, "\ud800")),  # a lone surrogate escape: refused ("text")
        _shaped(reading, (stall, "A\x0012")),  # NUL in a label: refused ("format")
        _shaped(reading, (stall, "\u202eA-12\u2066")),  # bidi controls: a valid label
        _shaped(reading, (stall, "x" * 5000)),  # a huge string: too large
        _shaped(reading, (mass, Raw("1e400"))),
        _shaped(reading, (mass, Raw("1e-400"))),
        _shaped(reading, (mass, Raw("-0"))),
        _shaped(reading, (mass, Raw("NaN"))),
        _shaped(reading, (mass, Raw("1" + "0" * 3000))),  # many digits: too heavy
        _shaped(reading, (mass, Raw("1." + "0" * 3000 + "1"))),  # many digits: valid
        _shaped(reading, (mass, Raw("[" * 1500 + "]" * 1500))),  # deep nesting: refused
        _shaped(reading, (mass, "1.2")),  # wrong types
        _shaped(reading, (("stable",), 1)),
        _shaped(reading, (("check",), [])),
    ]
    return [
        *(Draft(own, payload) for payload in shaped),
        Draft(own, Mangled(plain, cut=40)),  # truncated
        Draft(own, Mangled(plain, splice=b"\xff", at=30)),  # not UTF-8
        Draft(own, b"\x00\x01\xfe\xff binary"),
        Draft(own, Shaped(reading, size=spec.MAX_PAYLOAD_BYTES)),  # exactly 4 KiB: valid
        Draft(own, Shaped(reading, size=spec.MAX_PAYLOAD_BYTES + 1)),  # one byte over
        Draft(protocol.topic(device_id, "status"), plain),  # valid JSON, another kind's topic
        Draft(protocol.topic(UNKNOWN_DEVICE, "reading"), plain),
        Draft(f"{protocol.TOPIC_ROOT}/CS-TEST-01/readings", plain),  # a malformed device id
        Draft(protocol.topic(device_id, "selfcheck"), Valid(check)),
        Draft(protocol.topic(device_id, "status"), Shaped(status)),
        Draft(protocol.ack_topic(device_id), plain),  # not subscribed: never reaches the ingest
    ]
