"""Pure checks of one line of a paper control-scale log, and its identity.

A line is refused field by field, each reason in Vietnamese and English, before anything is
stored: masses finite, above zero, at most the protocol's 1000 kg and read to 0.1 g; the time not
in the future nor before the control scale was set up; the seller named in at most 32 printable
characters (the protocol's stall label, so a manual check and a networked one name one seller).
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from devices.protocol import GOODS_CATEGORIES, MAX_MASS_G
from devices.schema import EARLIEST, LABEL

RESOLUTION_G = Decimal("0.1")  # a paper log reads a control scale to its division at best
MAX_GOODS, MAX_NOTE = 64, 500
_CATEGORY_BY_WORD = {label: code for code, label in GOODS_CATEGORIES.items()} | {
    code: code for code in GOODS_CATEGORIES
}


@dataclass(frozen=True, slots=True)
class LineIn:
    """One line of the log as entered: the control scale, when, who sold what, both masses."""

    scale_id: int
    measured_at: datetime  # aware
    seller: str
    goods: str
    declared_g: Decimal
    measured_g: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a field of a line is refused, in both languages."""

    field: str
    vi: str
    en: str


def tidy(text: str) -> str:
    """Return text as stored: NFC, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def category_of(goods: str) -> str:
    """Return the protocol's goods category for a word of the log (else "khac", other)."""
    return _CATEGORY_BY_WORD.get(tidy(goods).casefold(), "khac")


def _mass(field: str, value: Decimal) -> list[Problem]:
    if not value.is_finite():
        return [Problem(field, "Phải là một số hữu hạn.", "Must be a finite number.")]
    if value <= 0:
        return [Problem(field, "Phải lớn hơn 0.", "Must be greater than 0.")]
    if value > MAX_MASS_G:
        return [Problem(field, "Không được quá 1000 kg.", "Must be at most 1000 kg.")]
    if value % RESOLUTION_G != 0:
        return [
            Problem(
                field,
                "Ghi tối đa đến 0,1 g.",
                "Write it to 0.1 g at most.",
            )
        ]
    return []


def problems(line: LineIn, *, set_up_at: datetime, now: datetime) -> list[Problem]:
    """Return every reason to refuse a line (empty: it may be stored)."""
    found = _mass("declared_g", line.declared_g) + _mass("measured_g", line.measured_g)
    if line.measured_at > now:
        found.append(Problem("measured_at", "Thời điểm ở tương lai.", "The time is in the future."))
    elif line.measured_at < max(set_up_at, EARLIEST):
        day = max(set_up_at, EARLIEST).astimezone(UTC).strftime("%d/%m/%Y")
        found.append(
            Problem(
                "measured_at",
                f"Trước ngày cân đối chứng được đưa vào sử dụng ({day}).",
                f"Before the control scale was set up ({day}).",
            )
        )
    if not line.seller or LABEL.fullmatch(line.seller) is None:
        found.append(
            Problem(
                "seller",
                "Ghi quầy/người bán, tối đa 32 ký tự.",
                "Name the stall or seller in at most 32 characters.",
            )
        )
    if len(line.goods) > MAX_GOODS:
        found.append(Problem("goods", "Tối đa 64 ký tự.", "At most 64 characters."))
    if len(line.note) > MAX_NOTE:
        found.append(Problem("note", "Tối đa 500 ký tự.", "At most 500 characters."))
    return found


def identity(site_id: int, line: LineIn) -> str:
    """Return the line's identity: market, scale, time, seller and masses (SHA-256, hex)."""
    parts = [
        str(site_id),
        str(line.scale_id),
        line.measured_at.astimezone(UTC).isoformat(),
        tidy(line.seller).casefold(),
        format(line.declared_g.normalize(), "f"),
        format(line.measured_g.normalize(), "f"),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
