"""Batches sent from the field: each entry read and judged on its own.

A phone sends lists of entries (findings, measures, measurement checks), each with its own
client_uuid. An entry that is malformed or refused is answered "rejected" with its reason in
both languages and its place (`details[].loc` starts with the list's name and the entry's
index), and the rest of the batch goes on.
"""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from metrology_svc.core.errors import DomainError, Invalid, validation_details

M = TypeVar("M", bound=BaseModel)


def sent_uuid(raw: Any) -> str | None:
    """Return the client_uuid an entry carries, as text (at most 64 characters), if any."""
    uuid = raw.get("client_uuid") if isinstance(raw, dict) else None
    return str(uuid)[:64] if uuid is not None else None


def rejection(index: int, uuid: str | None, err: DomainError, where: str) -> dict[str, Any]:
    """Return the fields of a "rejected" answer for entry `index` of the list `where`."""
    return {
        "index": index,
        "client_uuid": uuid,
        "status": "rejected",
        "message": err.message,
        "message_vi": err.message_vi,
        "details": [
            {**d, "loc": [where, index, *[x for x in d.get("loc", []) if x != "body"]]}
            for d in err.details
        ],
    }


def parse_entry(schema: type[M], raw: Any, *, what_en: str, what_vi: str) -> M | Invalid:
    """Return the entry read by `schema`, or the refusal naming what is malformed."""
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        return Invalid(
            f"The {what_en} is malformed; see details.",
            message_vi=f"{what_vi} không hợp lệ; xem chi tiết.",
            details=validation_details(exc.errors()),
        )
