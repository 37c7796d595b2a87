"""What a cell of each column would have to hold to be accepted, in Vietnamese and English.

Every reject names the row, the column header as written, the value and the reason; this adds
what would be accepted instead (RowErrorPublic.accepted_vi / accepted_en), so a clerk can
correct the cell without reading a manual. One text per column key; a reason that knows better
(a verification date's range, an unknown type's names) gives its own.
"""

from collections.abc import Iterable, Mapping

from metrology_svc.imports.cells import (
    LABELS_VI,
    OWNER_KINDS,
    RESULTS_SHOWN,
    ROLES,
    SITE_KINDS,
)
from metrology_svc.imports.columns import BY_KEY
from metrology_svc.imports.numbers import WHOLE

Accepted = tuple[str, str]  # (vi, en)

DATE = ("dd/mm/yyyy hoặc yyyy-mm-dd, ví dụ 15/03/2025", "dd/mm/yyyy or yyyy-mm-dd, e.g. 15/03/2025")


def _words(table: Mapping[str, str]) -> Accepted:
    """Return a choice column's words: the Vietnamese export word and the stored value each."""
    values = list(dict.fromkeys(table.values()))
    vi = ", ".join(LABELS_VI.get(v, v) for v in values)
    en = ", ".join(v.replace("_", " ") for v in values)
    return f"{vi} ({en})", f"{en} ({vi})"


def _text(limit: int) -> Accepted:
    return f"văn bản ≤ {limit} ký tự", f"text ≤ {limit} characters"


def _quantity(key: str) -> Accepted:
    unit = BY_KEY[key].unit
    symbol = unit.symbol if unit else ""
    return (
        f"một số lớn hơn 0 bằng chữ số, có thể kèm đơn vị (ví dụ 1500, 1.500 hoặc 1500 "
        f"{symbol}); không viết bằng chữ",
        f"a number greater than 0 in digits, with a unit if needed (e.g. 1500, 1,500 or 1500 "
        f"{symbol}); not in words",
    )


def _whole(low: int, high: int) -> Accepted:
    return f"số nguyên từ {low} đến {high}", f"a whole number from {low} to {high}"


TYPE = (
    "tên hoặc mã một loại phương tiện đo trong danh mục (ví dụ Cân đồng hồ lò xo, "
    "scale_spring_dial)",
    "the name or code of an instrument type in the catalogue (e.g. Spring dial scale, "
    "scale_spring_dial)",
)
UNIT = (
    "mã ĐVHC (vd 18754), mã cũ, hoặc địa chỉ có xã/phường và tỉnh",
    "a unit code (e.g. 18754), an old code, or an address with commune and province",
)

BY_COLUMN: dict[str, Accepted] = {
    "type": TYPE,
    "serial": _text(64),
    "manufacturer": _text(128),
    "model": _text(128),
    "type_approval_no": _text(64),
    "accuracy_class": ("cấp chính xác, ví dụ I, II, III, IIII", "a class, e.g. I, II, III, IIII"),
    "seal_number": _text(64),
    "role": _words(ROLES),
    "owner_name": _text(200),
    "owner_trade_name": _text(200),
    "owner_tax_code": (
        "10 chữ số, hoặc 10 chữ số-3 chữ số (ví dụ 0101234567, 0101234567-001)",
        "10 digits, or 10 digits-3 digits (e.g. 0101234567, 0101234567-001)",
    ),
    "owner_national_id": (
        "số CCCD 12 chữ số hoặc số CMND cũ 9 chữ số, có thể có dấu cách, dấu chấm (ví dụ "
        "001 234 567 890)",
        "a CCCD of 12 digits or an old CMND of 9 digits, spaces and dots allowed (e.g. "
        "001 234 567 890)",
    ),
    "owner_phone": (
        "số điện thoại 8–19 chữ số, có thể có +84, dấu cách, chấm (ví dụ 0912 345 678)",
        "a phone number of 8–19 digits, +84, spaces and dots allowed (e.g. 0912 345 678)",
    ),
    "owner_email": ("địa chỉ thư dạng ten@mien.vn", "an address like name@domain.vn"),
    "owner_language": ("vi (tiếng Việt), en (tiếng Anh)", "vi (Vietnamese), en (English)"),
    "owner_kind": _words(OWNER_KINDS),
    "site_name": _text(200),
    "site_kind": _words(SITE_KINDS),
    "unit_code": UNIT,
    "site_address": UNIT,
    "last_verified_on": DATE,
    "due_date": DATE,
    "last_result": (RESULTS_SHOWN, RESULTS_SHOWN),
}
BY_COLUMN |= {c.key: _quantity(c.key) for c in BY_KEY.values() if c.unit is not None}
BY_COLUMN |= {key: _whole(low, high) for key, (low, high) in WHOLE.items()}


def for_column(key: str) -> Accepted:
    """Return what a cell of the column would have to hold ("", "" for an unknown key)."""
    return BY_COLUMN.get(key, ("", ""))


def one_of(names: Iterable[str], limit: int = 12) -> str:
    """Return names as a short list (the first `limit`, then "…")."""
    shown = list(names)
    return ", ".join(shown[:limit]) + (", …" if len(shown) > limit else "")
