"""End-to-end acknowledgements: what the ingest committed, told back to each device.

The broker's PUBACK says only that the broker holds a message, and a broker that crashes may
lose what it held (persistence is written every `autosave_interval`). So after a batch commits
the ingest publishes, per device and boot, the sequence numbers the batch accounted for (stored,
already stored, or set aside with a reason) on `metrology/v1/{device}/ack`:

    {"v": 1, "kind": "ack", "boot": "<boot id>", "seqs": [[first, last], ...]}

The ranges are inclusive and sorted. A device keeps each message in its outbox until an ack
covers it and sends again what is not covered after it reconnects; the repeats are absorbed by
the (device, boot, seq) key. Pure: no paho, no database.

A message set aside as a dead letter is acknowledged too when its device, boot and seq can be
read (a device whose clock is wrong must not send the same refused reading for ever): pass the
batch's Incoming items rather than their parsed results to get those.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from devices import schema as spec
from devices.protocol import VERSION, ParsedMessage, ack_topic, split_topic

MAX_RANGES: Final = spec.MAX_ACK_RANGES  # ranges per ack message; more are split into several

Key = tuple[str, str, int]  # (device, boot, seq)


@dataclass(frozen=True)
class Ack:
    """One acknowledgement: the ranges of a boot's sequence numbers the service committed."""

    boot: str
    ranges: tuple[tuple[int, int], ...]

    def covers(self, seq: int) -> bool:
        """Tell whether a sequence number lies in one of the ranges."""
        return any(first <= seq <= last for first, last in self.ranges)


def ranges(seqs: Iterable[int]) -> list[tuple[int, int]]:
    """Return sorted inclusive ranges covering exactly the given sequence numbers."""
    out: list[tuple[int, int]] = []
    for seq in sorted(set(seqs)):
        if out and seq == out[-1][1] + 1:
            out[-1] = (out[-1][0], seq)
        else:
            out.append((seq, seq))
    return out


def readable_key(topic: str, payload: bytes) -> Key | None:
    """Return (device, boot, seq) of a refused message when its topic and head can be read.

    Only the device's own data topic counts (the ACL lets nobody else write it), and only a boot
    and a seq of the protocol's shapes; anything else has nothing to acknowledge.
    """
    route = split_topic(topic)
    if route is None or len(payload) > spec.MAX_PAYLOAD_BYTES:
        return None
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    boot, seq = data.get("boot"), data.get("seq")
    if not isinstance(boot, str) or spec.BOOT_ID.fullmatch(boot) is None:
        return None
    if type(seq) is not int or not 0 <= seq <= spec.MAX_SEQ:
        return None
    return route[0], boot, seq


def _key(item: object) -> Key | None:
    # A ParsedMessage, a Rejection (nothing to ack), or an Incoming (store.Incoming: its topic,
    # payload and parsed result), whose refused payload may still name its boot and seq.
    if isinstance(item, ParsedMessage):
        return item.device_id, item.message.boot, item.message.seq
    parsed = getattr(item, "parsed", None)
    if isinstance(parsed, ParsedMessage):
        return _key(parsed)
    topic, payload = getattr(item, "topic", None), getattr(item, "payload", None)
    if parsed is not None and isinstance(topic, str) and isinstance(payload, bytes):
        return readable_key(topic, payload)
    return None


def accounted(parsed: Iterable[object]) -> dict[tuple[str, str], list[int]]:
    """Group the messages of a committed batch by (device, boot); what names no seq is skipped.

    Items are ParsedMessage or Rejection (a rejection names no boot or seq and is skipped), or
    the batch's Incoming items, whose rejections are acknowledged when readable_key reads them.
    A message that names nothing is in the dead-letter table and a resend is absorbed there.
    """
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item in parsed:
        key = _key(item)
        if key is not None:
            out[(key[0], key[1])].append(key[2])
    return out


def encode_ack(boot: str, seq_ranges: Iterable[tuple[int, int]]) -> bytes:
    """Return the JSON payload of one ack."""
    # Formatted directly (the same bytes as json.dumps with compact separators; a test pins
    # that): at 500 devices a batch sends 500 acks. `boot` always matches BOOT_ID (protocol
    # checked it), so it needs no escaping.
    spans = ",".join(f"[{first},{last}]" for first, last in seq_ranges)
    return f'{{"v":{VERSION},"kind":"ack","boot":"{boot}","seqs":[{spans}]}}'.encode()


def ack_messages(parsed: Iterable[object]) -> list[tuple[str, bytes]]:
    """Return the (topic, payload) acks for the parsed messages of a committed batch."""
    out = []
    for (device_id, boot), seqs in accounted(parsed).items():
        spans = ranges(seqs)
        for start in range(0, len(spans), MAX_RANGES):
            out.append((ack_topic(device_id), encode_ack(boot, spans[start : start + MAX_RANGES])))
    return out


def parse_ack(payload: bytes) -> Ack | None:
    """Read an ack payload; None when it is not a valid one (a device ignores it)."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("v") != VERSION or data.get("kind") != "ack":
        return None
    boot, seqs = data.get("boot"), data.get("seqs")
    if not isinstance(boot, str) or spec.BOOT_ID.fullmatch(boot) is None:
        return None
    if not isinstance(seqs, list) or len(seqs) > MAX_RANGES:
        return None
    spans = []
    for span in seqs:
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(type(n) is int and 0 <= n <= spec.MAX_SEQ for n in span)
            or span[0] > span[1]
        ):
            return None
        spans.append((span[0], span[1]))
    return Ack(boot=boot, ranges=tuple(spans))
