"""The control-scale protocol: topics, round trips, rejections, and a parser that never raises."""

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from devices import protocol
from devices.protocol import (
    ConsumerCheck,
    ParsedMessage,
    Reading,
    Rejection,
    SelfCheck,
    SellerRef,
    Status,
    encode,
    parse,
    split_topic,
    topic,
)
from tests.devices.cases import INVALID, VALID
from tests.devices.payloads import reading

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))
DEVICE = "cho-dong-xuan-01"


def _parse(kind: protocol.Kind, obj: object) -> ParsedMessage | Rejection:
    return parse(topic(DEVICE, kind), json.dumps(obj, ensure_ascii=False).encode(), now=NOW)


def test_topics_are_built_and_split_back() -> None:
    assert topic(DEVICE, "reading") == "metrology/v1/cho-dong-xuan-01/readings"
    assert split_topic("metrology/v1/cho-dong-xuan-01/selfcheck") == (DEVICE, "selfcheck")
    assert protocol.device_topics(DEVICE) == "metrology/v1/cho-dong-xuan-01/+"
    assert protocol.subscriptions() == [
        "metrology/v1/+/readings",
        "metrology/v1/+/selfcheck",
        "metrology/v1/+/status",
    ]
    assert (
        protocol.subscriptions(share_group="ingest")[0] == "$share/ingest/metrology/v1/+/readings"
    )
    # The ingest's filters never match the acks it publishes itself.
    assert protocol.ack_topic("cs-1") == "metrology/v1/cs-1/ack"
    assert protocol.split_topic(protocol.ack_topic("cs-1")) is None


@pytest.mark.parametrize(
    "value",
    [
        "metrology/v1/AB-1/readings",  # capitals
        "metrology/v1/ab/readings",  # too short
        "metrology/v1/" + "a" * 65 + "/readings",
        "metrology/v1/cho-1/reading",  # singular
        "metrology/v2/cho-1/readings",
        "metrology/v1/cho-1/readings/extra",
        "metrology/v1/+/readings",
        "",
    ],
)
def test_foreign_topics_are_refused(value: str) -> None:
    assert split_topic(value) is None
    result = parse(value, encode(_reading()), now=NOW)
    assert isinstance(result, Rejection)
    assert result.code == "topic"


def test_topic_refuses_an_invalid_device_id() -> None:
    with pytest.raises(ValueError, match="invalid device id"):
        topic("Chợ 1", "reading")


def _reading(**changes: Any) -> Reading:
    base = Reading(
        boot="b-1",
        seq=7,
        measured_at=datetime(2026, 11, 22, 8, 0, 1, 250000, tzinfo=HANOI),
        mass_g=Decimal("1235"),
        stable=True,
        check=ConsumerCheck(
            seller=SellerRef("stall", "Sạp A-12"), declared_g=Decimal("1300"), category="ca"
        ),
    )
    return Reading(**(base.__dict__ | changes))


@pytest.mark.parametrize(
    "message",
    [
        _reading(),
        _reading(check=None, mass_g=Decimal("0.5"), stable=False),
        _reading(
            check=ConsumerCheck(
                seller=SellerRef("stamp", "HN-2026-000123"),
                declared_g=Decimal("5000"),
                category="gao",
            )
        ),
        SelfCheck(
            boot="b-1",
            seq=8,
            measured_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
            nominal_g=Decimal(2000),
            mass_g=Decimal("2000.5"),
            stable=True,
            weight_id="M1-2kg-07",
        ),
        Status(
            boot="b-1",
            seq=9,
            measured_at=datetime(2026, 11, 22, 1, 0, tzinfo=UTC),
            uptime_s=86400,
            firmware="fw 1.2.3",
            rssi_dbm=-71,
            errors=("adc_drift",),
        ),
    ],
)
def test_encode_then_parse_gives_the_same_message(message: protocol.Message) -> None:
    kind = protocol.kind_of(message)
    result = parse(topic(DEVICE, kind), encode(message), now=NOW)
    assert result == ParsedMessage(DEVICE, message)
    assert isinstance(result, ParsedMessage)
    assert result.kind == kind


def test_kilograms_are_normalised_to_exact_grams() -> None:
    result = _parse("reading", reading(unit="kg", mass=1.235))
    assert isinstance(result, ParsedMessage)
    message = result.message
    assert isinstance(message, Reading)
    assert message.mass_g == Decimal("1235")
    assert str(message.mass_g) == "1235.000"  # exact decimal arithmetic, no float residue
    assert message.check is not None
    assert message.check.declared_g == Decimal("1300")


@pytest.mark.parametrize(("name", "kind", "obj"), VALID, ids=[c[0] for c in VALID])
def test_valid_payloads_are_accepted(name: str, kind: protocol.Kind, obj: object) -> None:
    assert isinstance(_parse(kind, obj), ParsedMessage)


@pytest.mark.parametrize(("name", "kind", "obj", "code"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_payloads_are_rejected_with_a_code(
    name: str, kind: protocol.Kind, obj: object, code: str
) -> None:
    result = _parse(kind, obj)
    assert isinstance(result, Rejection)
    assert result.code == code
    assert result.device_id == DEVICE
    assert result.reason.startswith(protocol.rejection(code).reason)
    assert result.reason_vi.startswith(protocol.rejection(code).reason_vi)
    assert result.reason != result.reason_vi


def test_an_unknown_key_is_named_escaped_so_any_database_stores_the_reason() -> None:
    payload = json.dumps(reading(**{"\x00\u202e": 1})).encode()
    result = protocol.parse("metrology/v1/cs-1/readings", payload, now=NOW)
    assert isinstance(result, protocol.Rejection)
    assert (result.code, result.field) == ("unknown_field", "\\x00\\u202e")
    assert "\x00" not in result.reason
    assert "\u202e" not in result.reason_vi


def test_time_far_in_the_future_is_rejected_but_small_clock_skew_is_not() -> None:
    soon = (NOW + timedelta(minutes=9)).isoformat()
    later = (NOW + timedelta(minutes=11)).isoformat()
    assert isinstance(_parse("reading", reading(measured_at=soon)), ParsedMessage)
    result = _parse("reading", reading(measured_at=later))
    assert isinstance(result, Rejection)
    assert result.code == "time_future"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"\xff\xfe{}", "json"),
        (b'{"v":1,', "json"),
        (b'{"v":1,"v":1}', "json"),  # a repeated key
        (b'{"v":1,"kind":"reading","mass":NaN}', "json"),
        (b"[" * 4000, "json"),  # nesting deeper than the recursion limit
        (b" " * 4097, "too_large"),
        (b"null", "not_object"),
        (b'{"v":1,"kind":"reading","boot":"\\ud800"}', "text"),  # a lone surrogate escape
        (b'{"v":1,"\\udfff":1}', "text"),  # also in a key
    ],
)
def test_unreadable_bytes_are_rejected(payload: bytes, code: str) -> None:
    result = parse(topic(DEVICE, "reading"), payload, now=NOW)
    assert isinstance(result, Rejection)
    assert result.code == code


def test_a_consumer_check_naming_a_lone_surrogate_stall_is_refused_not_stored() -> None:
    # It used to pass the parser and kill the ingest writer in the database driver.
    obj = reading()
    body = json.dumps(obj).encode().replace(b'"stall": "', b'"stall": "\\ud800')
    result = parse(topic(DEVICE, "reading"), body, now=NOW)
    assert isinstance(result, Rejection)
    assert (result.code, result.reason_vi) == (
        "text",
        "chuỗi có mã thay thế đơn lẻ (không phải Unicode hợp lệ)",
    )
    paired = json.dumps(obj).encode().replace(b'"stall": "', b'"stall": "\\ud83d\\ude00')
    assert isinstance(parse(topic(DEVICE, "reading"), paired, now=NOW), ParsedMessage)


def test_a_payload_of_exactly_4_kib_is_read() -> None:
    body = json.dumps(reading()).encode()
    padded = body[:-1] + b" " * (protocol.MAX_PAYLOAD_BYTES - len(body)) + b"}"
    assert len(padded) == protocol.MAX_PAYLOAD_BYTES
    assert isinstance(parse(topic(DEVICE, "reading"), padded, now=NOW), ParsedMessage)


def test_encode_refuses_a_time_without_offset() -> None:
    with pytest.raises(ValueError, match="offset"):
        encode(_reading(measured_at=datetime(2026, 11, 22, 8, 0)))


def _garbage(rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(protocol.KINDS)
    good_topic = topic(DEVICE, kind)
    choice = rng.randrange(5)
    if choice == 0:
        return good_topic, rng.randbytes(rng.randrange(0, 5000))
    if choice == 1:  # a valid payload with one field replaced by something random
        obj = reading()
        obj[rng.choice([*obj, "extra"])] = _random_json(rng, depth=0)
        return rng.choice([good_topic, topic(DEVICE, "reading")]), json.dumps(obj).encode()
    if choice == 2:
        return good_topic, json.dumps(_random_json(rng, depth=0)).encode()
    if choice == 3:  # truncated or bit-flipped valid bytes
        data = bytearray(json.dumps(reading()).encode())
        data[rng.randrange(len(data))] = rng.randrange(256)
        return good_topic, bytes(data[: rng.randrange(len(data) + 1)])
    junk_topic = "".join(rng.choice("metrology/v1+#$ab-é\x00") for _ in range(rng.randrange(40)))
    return junk_topic, rng.randbytes(rng.randrange(0, 64))


def _random_json(rng: random.Random, *, depth: int) -> Any:
    pick = rng.randrange(9 if depth < 3 else 6)
    atoms: list[Any] = [
        None,
        rng.choice([True, False]),
        rng.randint(-(2**70), 2**70),
        rng.uniform(-1e6, 1e6) * rng.choice([1, 1e-300, 1e300]),
        "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(12))),
        rng.choice(["1e999999", "2026-13-45T25:61:61+99:99", "NaN", "kg", "", "0"]),
    ]
    if pick < len(atoms):
        return atoms[pick]
    if pick == 6:
        return [_random_json(rng, depth=depth + 1) for _ in range(rng.randrange(4))]
    keys = ["v", "kind", "boot", "seq", "measured_at", "unit", "mass", "check", "seller", "x"]
    return {rng.choice(keys): _random_json(rng, depth=depth + 1) for _ in range(rng.randrange(6))}


def test_ten_thousand_garbage_payloads_never_make_parse_raise() -> None:
    rng = random.Random(20261122)
    codes: set[str] = set()
    for _ in range(10_000):
        result = parse(*_garbage(rng), now=NOW)  # an exception here fails the test
        assert isinstance(result, ParsedMessage | Rejection)
        if isinstance(result, Rejection):
            codes.add(result.code)
    assert "internal" not in codes  # every garbage kind has a named reason
    assert {"topic", "json", "type", "too_large"} <= codes


@pytest.mark.parametrize("payload", [None, "text", 42])
def test_parse_survives_wrong_argument_types(payload: Any) -> None:
    result = parse(topic(DEVICE, "reading"), payload)
    assert isinstance(result, Rejection)
    assert isinstance(parse(None, b"{}"), Rejection)  # type: ignore[arg-type]
