"""devices/schema/v1.json says what the parser accepts: same cases, same verdicts."""

import json
from typing import Any

import jsonschema
import pytest

from devices import acks, protocol
from devices import schema as spec
from tests.devices.cases import INVALID, VALID
from tests.devices.test_protocol import _parse

SCHEMA: dict[str, Any] = json.loads(protocol.SCHEMA_V1.read_text())


def _validator() -> Any:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


def test_schema_states_the_parsers_limits() -> None:
    defs = SCHEMA["$defs"]
    assert defs["boot"]["pattern"] == f"^{spec.BOOT_ID.pattern}$"
    assert defs["measured_at"]["pattern"] == f"^{spec.TIMESTAMP.pattern}$"
    assert defs["code"]["pattern"] == f"^{spec.CODE.pattern}$"
    assert defs["seq"]["maximum"] == spec.MAX_SEQ
    assert defs["kg_bounds"]["then"]["properties"]["mass"]["maximum"] * 1000 == spec.MAX_MASS_G
    assert defs["kg_bounds"]["else"]["properties"]["mass"]["maximum"] == spec.MAX_MASS_G
    assert set(defs["unit"]["enum"]) == set(spec.UNITS)
    for kind in protocol.KINDS:
        assert defs[kind]["properties"]["kind"]["const"] == kind


@pytest.mark.parametrize(("name", "kind", "obj"), VALID, ids=[c[0] for c in VALID])
def test_valid_cases_validate_against_the_schema(name: str, kind: str, obj: Any) -> None:
    errors = list(_validator().iter_errors(obj))
    assert errors == []
    assert isinstance(_parse(kind, obj), protocol.ParsedMessage)  # type: ignore[arg-type]


# The schema has no clock and no topic: times before 2020 and a payload of another kind than its
# topic are the parser's alone.
_SCHEMA_CASES = [case for case in INVALID if case[3] not in {"time_past", "kind_mismatch"}]


@pytest.mark.parametrize(
    ("name", "kind", "obj", "code"), _SCHEMA_CASES, ids=[c[0] for c in _SCHEMA_CASES]
)
def test_invalid_cases_fail_the_schema(name: str, kind: str, obj: Any, code: str) -> None:
    assert not _validator().is_valid(obj)


def test_encoded_messages_validate_against_the_schema() -> None:
    validator = _validator()
    for _, kind, obj in VALID:
        parsed = _parse(kind, obj)  # type: ignore[arg-type]
        assert isinstance(parsed, protocol.ParsedMessage)
        again = json.loads(protocol.encode(parsed.message))
        assert validator.is_valid(again), again


def test_the_ack_the_ingest_sends_is_stated_in_the_schema() -> None:
    ack = SCHEMA["$defs"]["ack"]
    assert ack["properties"]["kind"]["const"] == "ack"
    assert ack["properties"]["seqs"]["maxItems"] == spec.MAX_ACK_RANGES == acks.MAX_RANGES
    assert "metrology/v1/{device_id}/ack" in SCHEMA["description"]
    validator = _validator()
    parsed = [_parse("reading", obj | {"seq": n}) for n in (0, 1, 2, 7) for obj in [VALID[0][2]]]
    payloads = [p for _, p in acks.ack_messages(parsed)]
    assert payloads
    for payload in payloads:
        assert validator.is_valid(json.loads(payload))
        assert acks.parse_ack(payload) is not None


def test_what_a_device_refuses_as_an_ack_fails_the_schema() -> None:
    validator = _validator()
    good = {"v": 1, "kind": "ack", "boot": "b-1", "seqs": [[0, 3]]}
    assert validator.is_valid(good)
    # JSON Schema cannot say first <= last; every other refusal of parse_ack it states.
    for bad in [
        good | {"v": 2},
        good | {"boot": "no spaces"},
        good | {"seqs": [[0, 1, 2]]},
        good | {"seqs": [[-1, 0]]},
        good | {"seqs": [[0, 1]] * (acks.MAX_RANGES + 1)},
        {k: v for k, v in good.items() if k != "seqs"},
    ]:
        assert not validator.is_valid(bad), bad
        assert acks.parse_ack(json.dumps(bad).encode()) is None, bad
