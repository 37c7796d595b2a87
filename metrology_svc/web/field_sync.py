"""The field page's batch: what an inspector recorded offline, sent when back in signal.

One form post carries three JSON lists: findings (`items`), measures (`measures`) and
measurement checks (`checks`), each entry with its own client_uuid. Numbers come as the
inspector typed them and are read here the Vietnamese way (1.000 is a thousand, 1,5 one and a
half, a unit may be written: 1,2 kg); an entry whose number cannot be read is rejected with the
reason, next to the others. The lists then go to the API's exactly-once functions: findings,
then measures (a finding may call for them), then checks.
"""

import json
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.batch import rejection, sent_uuid
from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import (
    ML,
    Convention,
    G,
    L,
    QuantityError,
    Unit,
    parse_quantity,
    to_unit,
)
from metrology_svc.inspections import measure_sync, sync
from metrology_svc.inspections.schemas import MAX_BATCH, MAX_MEASURES, SyncItemResult
from metrology_svc.inspections.service import get_inspection
from metrology_svc.measurement_checks import sync as check_sync
from metrology_svc.measurement_checks.models import CheckKind
from metrology_svc.measurement_checks.schemas import MAX_BATCH as MAX_CHECKS
from metrology_svc.measurement_checks.schemas import CheckSyncResult
from metrology_svc.settings import Settings

# The unit each check's quantity is stored in (typed without a unit: this one).
CHECK_UNITS: dict[str, dict[str, Unit]] = {
    CheckKind.RETAIL_WEIGHING: {"declared": G, "measured": G, "scale_interval_g": G},
    CheckKind.PETROL_DELIVERY: {"declared": L, "measured": L},
    CheckKind.GOLD_MEASUREMENT: {
        "declared": G,
        "measured": G,
        "scale_max_g": G,
        "scale_interval_g": G,
    },
}
# A test point names its unit or is in the service's unit (g for scales, mL for dispensers).
POINT_UNITS = {"mass": G, "volume": ML}
R = TypeVar("R", bound=BaseModel)


def read_list(raw: str | None, field: str, limit: int) -> list[Any]:
    """Return a form field's JSON list (absent or empty: none); anything else is refused."""
    if raw is None or raw.strip() in ("", "[]"):
        return []
    try:
        items = json.loads(raw)
    except ValueError:
        items = None
    if not isinstance(items, list) or len(items) > limit:
        raise Invalid(
            f"Send at most {limit} entries as a JSON list in the field {field}.",
            message_vi=f"Cần gửi tối đa {limit} mục dạng danh sách JSON ({field}).",
            loc=["body", field],
        )
    return items


def _number(text: str, unit: Unit | None) -> float:
    quantity = parse_quantity(text, convention=Convention.VI, unit=unit)
    if quantity.unit is None:
        return float(quantity.value)
    target = unit or POINT_UNITS.get(quantity.unit.kind)
    if target is None:
        raise QuantityError(
            en=f"“{text}”: a test point is a mass or a volume.",
            vi=f"“{text}”: điểm đo phải là khối lượng hoặc thể tích.",
        )
    return float(to_unit(quantity, target))


def _read(raw: Any, fields: dict[str, Unit | None]) -> dict[str, QuantityError]:
    """Replace the typed numbers of `raw` (in place) by their values; return the refusals."""
    errors: dict[str, QuantityError] = {}
    for name, unit in fields.items():
        text = raw.get(name)
        if not isinstance(text, str):
            continue  # a JSON number, or absent: the schema judges it
        if not text.strip():
            raw[name] = None
            continue
        try:
            raw[name] = _number(text, unit)
        except QuantityError as exc:
            errors[name] = exc
    return errors


def _finding_numbers(raw: Any) -> dict[str, QuantityError]:
    errors: dict[str, QuantityError] = {}
    points = raw.get("points") if isinstance(raw, dict) else None
    if not isinstance(points, list):
        return errors
    for i, point in enumerate(points):
        if isinstance(point, dict):
            found = _read(point, dict.fromkeys(("reference", "indicated", "mpe")))
            errors.update({f"points.{i}.{k}": v for k, v in found.items()})
    return errors


def _check_numbers(raw: Any) -> dict[str, QuantityError]:
    if not isinstance(raw, dict):
        return {}
    units = CHECK_UNITS.get(str(raw.get("kind")), {})
    return _read(raw, dict(units))


def _no_numbers(raw: Any) -> dict[str, QuantityError]:
    del raw  # a measure has no typed quantities
    return {}


def _refusal(index: int, raw: Any, errors: dict[str, QuantityError], name: str) -> dict[str, Any]:
    err = Invalid(
        "A number could not be read: " + "; ".join(f"{k}: {e.en}" for k, e in errors.items()),
        message_vi="Không đọc được số: " + "; ".join(f"{k}: {e.vi}" for k, e in errors.items()),
        details=[{"loc": k.split("."), "msg": e.en, "msg_vi": e.vi} for k, e in errors.items()],
    )
    return rejection(index, sent_uuid(raw), err, name)


def _run(
    items: list[Any],
    read: Callable[[Any], dict[str, QuantityError]],
    store: Callable[[list[Any]], list[R]],
    result: type[R],
    *,
    name: str,
) -> list[R]:
    """Read each entry's numbers, store the readable ones, and give back one result per entry
    in the order sent (the refused ones with their reason)."""
    refused: dict[int, R] = {}
    kept: list[tuple[int, Any]] = []
    for index, raw in enumerate(items):
        errors = read(raw)
        if errors:
            refused[index] = result.model_validate(_refusal(index, raw, errors, name))
        else:
            kept.append((index, raw))
    stored = store([raw for _, raw in kept]) if kept else []
    for (index, _), answer in zip(kept, stored, strict=True):
        refused[index] = answer.model_copy(update={"index": index})
    return [refused[i] for i in range(len(items))]


def sync_field_batch(
    session: Session,
    user: Principal,
    inspection_id: int,
    form: dict[str, Any],
    *,
    settings: Settings,
    today: date,
) -> dict[str, Any]:
    """Store the page's queued findings, measures and checks, each exactly once; return the
    answer for each entry (created, duplicate or rejected with its reason)."""
    _inspection, _site, unit = get_inspection(session, user, inspection_id)
    user.require_write(unit.path)  # the whole batch is refused outside the user's units
    findings = read_list(form.get("items"), "items", MAX_BATCH)
    measures = read_list(form.get("measures"), "measures", MAX_MEASURES)
    checks = read_list(form.get("checks"), "checks", MAX_CHECKS)
    if not (findings or measures or checks):
        raise Invalid(
            "Nothing to sync: send findings, measures or checks.",
            message_vi="Không có gì để đồng bộ: cần gửi kết quả, biện pháp hoặc phép đo.",
            loc=["body", "items"],
        )

    def store_findings(batch: list[Any]) -> list[SyncItemResult]:
        return sync.sync_findings(
            session, user, inspection_id, batch, settings=settings, today=today
        ).items

    def store_measures(batch: list[Any]) -> list[SyncItemResult]:
        return measure_sync.sync_measures(
            session, user, inspection_id, batch, settings=settings, today=today
        )

    def store_checks(batch: list[Any]) -> list[CheckSyncResult]:
        return check_sync.sync_checks(session, user, inspection_id, batch)

    answers: dict[str, list[SyncItemResult] | list[CheckSyncResult]] = {
        "items": _run(findings, _finding_numbers, store_findings, SyncItemResult, name="items"),
        "measures": _run(measures, _no_numbers, store_measures, SyncItemResult, name="measures"),
        "checks": _run(checks, _check_numbers, store_checks, CheckSyncResult, name="checks"),
    }
    every: list[str] = [r.status for rs in answers.values() for r in rs]
    return {
        **{k: every.count(k) for k in ("created", "duplicate", "rejected")},
        **{k: [r.model_dump(mode="json") for r in v] for k, v in answers.items()},
    }
