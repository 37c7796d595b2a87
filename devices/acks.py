"""End-to-end acknowledgements: what the ingest committed, told back to each device.

The broker's PUBACK says only that the broker holds a message, and a broker that crashes may
lose what it held (persistence is written every `autosave_interval`). So after a batch commits
the ingest publishes, per device and boot, the sequence numbers the batch accounted for (stored,
already stored, or set aside with a reason) on `metrology/v1/{device}/ack`:

    {"v": 1, "kind": "ack", "boot": "<boot id>", "seqs": [[first, last], ...]}

The ranges are inclusive and sorted. A device keeps each message in its outbox until an ack
covers it and sends again what is not covered after it reconnects; the repeats are absorbed by
the (device, boot, seq) key. Pure: no paho, no database.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from devices import schema as spec
from devices.protocol import VERSION, ParsedMessage, ack_topic

MAX_RANGES: Final = 200  # ranges per ack message; more are split into several messages

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


def accounted(parsed: Iterable[object]) -> dict[tuple[str, str], list[int]]:
    """Group the parsed messages of a committed batch by (device, boot); rejections are skipped.

    A rejection that could not be read carries no boot or sequence to acknowledge: it is in the
    dead-letter table and a resend of it is absorbed there.
    """
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item in parsed:
        if isinstance(item, ParsedMessage):
            out[(item.device_id, item.message.boot)].append(item.message.seq)
    return out


def encode_ack(boot: str, seq_ranges: Iterable[tuple[int, int]]) -> bytes:
    """Return the JSON payload of one ack."""
    body: dict[str, Any] = {"v": VERSION, "kind": "ack", "boot": boot}
    body["seqs"] = [[first, last] for first, last in seq_ranges]
    return json.dumps(body, separators=(",", ":")).encode()


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
