"""End-to-end acks: what a committed batch tells each device, and what a device accepts as one."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from devices import acks
from devices import schema as spec
from devices.acks import Ack, accounted, ack_messages, encode_ack, parse_ack, ranges, readable_key
from devices.protocol import ParsedMessage, Reading, ack_topic, parse, rejection, topic
from devices.store import Incoming

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
seqs = st.sets(st.integers(min_value=0, max_value=spec.MAX_SEQ), max_size=60)


def _reading(device: str, boot: str, seq: int) -> ParsedMessage:
    message = Reading(boot=boot, seq=seq, measured_at=NOW, mass_g=Decimal(1000), stable=True)
    return ParsedMessage(device, message)


def _payload(**fields: object) -> bytes:
    body: dict[str, object] = {"v": 1, "kind": "reading", "boot": "b-1", "seq": 7}
    body |= {"measured_at": "1970-01-01T00:00:00+00:00", "unit": "g", "mass": 5, "stable": True}
    return json.dumps(body | fields).encode()


@given(seqs)
def test_ranges_cover_exactly_the_given_numbers_sorted_and_apart(numbers: set[int]) -> None:
    spans = ranges(numbers)
    assert all(first <= last for first, last in spans)
    # Sorted, not touching (touching ranges would have been merged into one).
    assert all(a[1] + 1 < b[0] for a, b in pairwise(spans))
    # Each number in one range, and the ranges hold as many numbers as given: nothing else.
    assert all(sum(first <= n <= last for first, last in spans) == 1 for n in numbers)
    assert sum(last - first + 1 for first, last in spans) == len(numbers)


@given(st.from_regex(spec.BOOT_ID, fullmatch=True), seqs)
def test_an_encoded_ack_reads_back_and_covers_exactly_its_numbers(
    boot: str, numbers: set[int]
) -> None:
    ack = parse_ack(encode_ack(boot, ranges(numbers)))
    assert ack is not None
    assert ack.boot == boot
    for n in numbers:
        assert ack.covers(n)
    assert not any(ack.covers(n + 1) for n in numbers if n + 1 not in numbers)


def test_a_batch_is_acked_per_device_and_boot_in_pieces_of_at_most_max_ranges() -> None:
    batch: list[object] = [_reading("cs-a", "b-1", 2 * n) for n in range(acks.MAX_RANGES + 5)]
    batch += [_reading("cs-a", "b-2", 0), _reading("cs-b", "b-1", 3), _reading("cs-b", "b-1", 4)]
    batch.append(rejection("json", device_id="cs-b"))  # names no boot or seq: nothing to ack
    out = ack_messages(batch)
    by_topic: dict[str, list[Ack]] = {}
    for name, payload in out:
        ack = parse_ack(payload)
        assert ack is not None
        assert len(ack.ranges) <= acks.MAX_RANGES
        by_topic.setdefault(name, []).append(ack)
    assert set(by_topic) == {ack_topic("cs-a"), ack_topic("cs-b")}
    a_boots = sorted(ack.boot for ack in by_topic[ack_topic("cs-a")])
    assert a_boots == ["b-1", "b-1", "b-2"]  # 205 ranges of b-1 split in two messages
    assert by_topic[ack_topic("cs-b")] == [Ack("b-1", ((3, 4),))]


def test_a_refused_message_that_names_its_boot_and_seq_is_acked_when_given_as_incoming() -> None:
    # A device whose clock says 1970 is refused (time_past) but must not resend for ever.
    name = topic("cs-a", "reading")
    refused = parse(name, _payload(seq=7), now=NOW)
    assert not isinstance(refused, ParsedMessage)
    items = [
        Incoming(name, _payload(seq=7), refused, NOW),
        Incoming(name, b"\xff not json", rejection("json", device_id="cs-a"), NOW),
        Incoming(name, _payload(seq=True), rejection("type", device_id="cs-a"), NOW),
        Incoming("metrology/v1/cs-a/other", _payload(seq=9), rejection("topic"), NOW),
        Incoming(name, _payload(seq=8), _reading("cs-a", "b-1", 8), NOW),
    ]
    assert accounted(items) == {("cs-a", "b-1"): [7, 8]}
    assert accounted([item.parsed for item in items]) == {("cs-a", "b-1"): [8]}


def test_readable_key_takes_only_the_protocols_shapes() -> None:
    name = topic("cs-a", "status")
    assert readable_key(name, _payload()) == ("cs-a", "b-1", 7)
    assert readable_key(name, _payload(boot="bad boot")) is None
    assert readable_key(name, _payload(seq=-1)) is None
    assert readable_key(name, _payload(seq=spec.MAX_SEQ + 1)) is None
    assert readable_key(name, _payload(seq=7.0)) is None
    assert readable_key(name, b"[1, 2]") is None
    assert readable_key(name, b"9" * 5000) is None  # beyond the protocol's size: not read
    assert readable_key("metrology/v1/Bad Id/readings", _payload()) is None


def test_parse_ack_refuses_what_is_not_an_ack() -> None:
    good = {"v": 1, "kind": "ack", "boot": "b-1", "seqs": [[0, 3], [5, 5]]}
    assert parse_ack(json.dumps(good).encode()) == Ack("b-1", ((0, 3), (5, 5)))
    bad = [
        good | {"v": 2},
        good | {"kind": "reading"},
        good | {"boot": "no spaces"},
        good | {"seqs": [[3, 0]]},
        good | {"seqs": [[0, 1, 2]]},
        good | {"seqs": [[0, True]]},
        good | {"seqs": [[-1, 0]]},
        good | {"seqs": [[0, 1]] * (acks.MAX_RANGES + 1)},
        good | {"seqs": "0-3"},
        [good],
    ]
    for body in bad:
        assert parse_ack(json.dumps(body).encode()) is None, body
    assert parse_ack(b"\xff") is None
    assert parse_ack(b"[" * 100_000) is None


@given(
    boot=st.from_regex(spec.BOOT_ID, fullmatch=True),
    numbers=st.sets(st.integers(0, spec.MAX_SEQ), max_size=40),
)
def test_an_ack_is_byte_for_byte_the_compact_json_of_its_fields(
    boot: str, numbers: set[int]
) -> None:
    spans = acks.ranges(numbers)
    body = {"v": 1, "kind": "ack", "boot": boot, "seqs": [[a, b] for a, b in spans]}
    assert acks.encode_ack(boot, spans) == json.dumps(body, separators=(",", ":")).encode()
    parsed = acks.parse_ack(acks.encode_ack(boot, spans))
    assert parsed is not None
    assert parsed.ranges == tuple(spans)
