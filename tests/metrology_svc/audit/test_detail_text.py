"""audit_many's single encoding gives exactly the record audit() gives: the same stored detail
and the same canonical bytes (so the same hash), whatever the detail holds."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.audit.rules import (
    at_text,
    canonical,
    canonical_text,
    detail_text,
    json_safe,
)


class Colour(StrEnum):
    RED = "đỏ"


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.just(Colour.RED),
)
keys = st.one_of(st.text(max_size=5), st.integers(-20, 20))
details = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.tuples(inner, inner),
            st.dictionaries(keys, inner, max_size=4),
            st.dictionaries(st.text(max_size=5), inner, max_size=4),
        ),
        max_leaves=12,
    ),
    max_size=6,
)


def _slow(detail: dict[str, Any], **fields: Any) -> bytes:
    return canonical(detail=json_safe(detail), **fields)


@given(
    detail=details,
    seq=st.integers(1, 10**9),
    entity_id=st.none() | st.integers(0, 10**9),
    actor=st.text(max_size=20),
    action=st.text(max_size=20),
)
def test_one_encoding_gives_the_bytes_and_the_detail_of_the_slow_path(
    detail: dict[str, Any], seq: int, entity_id: int | None, actor: str, action: str
) -> None:
    at = datetime(2026, 11, 23, 3, 4, 5, 6, tzinfo=UTC)
    fields: dict[str, Any] = {"seq": seq, "actor_user_id": None, "actor": actor}
    fields |= {"action": action, "entity": "instrument", "entity_id": entity_id}
    fields |= {"prev_hash": "ab" * 32}
    text = detail_text(detail)
    assert json.loads(text) == json_safe(detail)  # what is stored, read back
    fast = canonical_text(at_text=at_text(at), detail=text, **fields)
    assert fast == _slow(detail, at=at, **fields)


def test_keys_other_than_text_sort_as_the_stored_text_keys_do() -> None:
    detail = {"changes": {2: "b", 10: "a"}, "on": date(2026, 1, 2), "d": Decimal("1.50")}
    assert detail_text(detail) == '{"changes":{"10":"a","2":"b"},"d":"1.50","on":"2026-01-02"}'
