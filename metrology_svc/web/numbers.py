"""Numbers typed into the pages, read with core.quantities (Vietnamese writing, always).

The pages read numbers the Vietnamese way whatever their language: the same clerk switching to
English must not find 15.000 read as fifteen. A refusal goes back to its field with both
readings; what passes goes on to the same API schemas as the JSON routes, converted exactly to
their stored unit.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from metrology_svc.core.quantities import (
    KG,
    L_PER_MIN,
    ML,
    Convention,
    G,
    L,
    Quantity,
    QuantityError,
    Unit,
    format_quantity,
    parse_quantity,
    to_unit,
)
from metrology_svc.core.quantity_texts import unit_not_expected
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instruments.models import Instrument

# The instrument form's quantities and the unit each is stored in (typed without a unit: this).
INSTRUMENT_UNITS: dict[str, Unit] = {
    "max_g": G,
    "e_g": G,
    "d_g": G,
    "qmin_lpm": L_PER_MIN,
    "qmax_lpm": L_PER_MIN,
    "mmq_l": L,
}
POINT_FIELDS = ("reference", "indicated", "mpe")


def read_quantities(
    values: Mapping[str, Any],
    units: Mapping[str, Unit],
    *,
    lang: str,
    from_display: bool = False,
) -> tuple[dict[str, float], dict[str, str]]:
    """Return the typed quantities in their stored units, and a message for each refused one."""
    read: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name, unit in units.items():
        text = values.get(name)
        if not text:
            continue
        try:
            quantity = parse_quantity(
                str(text), convention=Convention.VI, unit=unit, from_display=from_display
            )
            # At most 15 significant digits: the float keeps the decimal exactly (repr).
            read[name] = float(to_unit(quantity, unit))
        except QuantityError as exc:
            errors[name] = exc.message(lang)
    return read, errors


def shown(value: float | None) -> str | None:
    """Return a stored number as a form shows it: Vietnamese writing that reads back the same."""
    if value is None:
        return None
    # No unit context: the text never has the 15.000 / 15,000 shape, so any field reads it back.
    return format_quantity(Decimal(repr(value)).normalize(), None, convention=Convention.VI)


def point_units(category: TypeCategory, instrument: Instrument) -> tuple[Unit | None, Unit | None]:
    """Return the unit points are typed in and the unit the service takes them in.

    Scales: kg when Max is at least 1 kg, else g (stored in g); dispensers: L (stored in mL);
    other types: plain numbers.
    """
    if category is TypeCategory.SCALE:
        return (KG if (instrument.max_g or 0) >= 1000 else G), G
    if category is TypeCategory.DISPENSER:
        return L, ML
    return None, None


def read_point(
    point: Mapping[str, Any], *, entry: Unit | None, stored: Unit | None, lang: str
) -> tuple[dict[str, float], dict[str, str]]:
    """Return a typed test point in the service's unit, and a message for each refused field."""
    read: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name in POINT_FIELDS:
        raw = point.get(name)
        if raw is None or raw == "":
            continue
        try:
            if isinstance(raw, int | float):  # a JSON number: already a value in the entry unit
                quantity = Quantity(Decimal(repr(float(raw))), entry)
            else:
                quantity = parse_quantity(
                    str(raw), convention=Convention.VI, unit=entry, from_display=True
                )
            value = to_unit(quantity, stored) if stored else _plain(quantity, str(raw))
            read[name] = float(value)
        except QuantityError as exc:
            errors[name] = exc.message(lang)
    return read, errors


def _plain(quantity: Quantity, text: str) -> Decimal:
    if quantity.unit is not None:  # a type without a built-in unit: the number as typed
        raise unit_not_expected(text)
    return quantity.value
