"""Pure rules of inspections: what each finding kind does, and whether points agree with it.

Circular 28/2013/TT-BKHCN (amended 10/2022) and DOMAIN.md: an instrument with no valid
verification (no stamp, an expired one, a forged one) is "không được sử dụng" until verified,
not failed; a broken seal suspends it and asks for an after-repair verification; an error
beyond the in-service limit suspends it; using an unverified group-2 instrument (no stamp, a
forged stamp), a type not approved or a scale unsuited to the goods is proposed for a
violation record. An inspection never moves a due date (only a verification does).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from metrology_svc.inspections.models import FindingKind
from metrology_svc.instruments.lifecycle import finding_status
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.rulebook.rules import PointResult, all_passed
from metrology_svc.stamps.models import RevokeReason

S = InstrumentStatus


@dataclass(frozen=True, slots=True)
class Consequence:
    """What a finding does: status set, stamps revoked (why), measures proposed, notice raised.

    notice: the notice kind whose wording is true of the finding (overdue_recall: "past its
    verification date since {due}"), or None when no notice kind says what happened.
    """

    status: InstrumentStatus | None
    revoke_reason: RevokeReason | None = None
    suspension: bool = False
    verification_request: bool = False
    after_repair: bool = False
    violation: bool = False
    notice: str | None = None


CONSEQUENCES: dict[FindingKind, Consequence] = {
    # The stamp on record is not on the instrument: it is lost; the instrument is unverified.
    FindingKind.NO_STAMP: Consequence(
        S.NOT_TO_BE_USED,
        RevokeReason.LOST_OR_STOLEN,
        verification_request=True,
        violation=True,
    ),
    # An expired stamp is only expired: nothing to revoke, no failure.
    FindingKind.EXPIRED_STAMP: Consequence(
        S.NOT_TO_BE_USED, verification_request=True, notice="overdue_recall"
    ),
    FindingKind.STAMP_FORGED: Consequence(
        S.NOT_TO_BE_USED, verification_request=True, violation=True
    ),
    FindingKind.BROKEN_SEAL: Consequence(
        S.SUSPENDED,
        RevokeReason.BROKEN_SEAL,
        suspension=True,
        verification_request=True,
        after_repair=True,
    ),
    FindingKind.TYPE_NOT_APPROVED: Consequence(S.SUSPENDED, suspension=True, violation=True),
    # The scale is sound but unsuited to these goods: no status, a violation proposed.
    FindingKind.UNSUITABLE_SCALE: Consequence(None, violation=True),
    FindingKind.ERROR_BEYOND_MPE: Consequence(
        S.SUSPENDED,
        RevokeReason.FAILED_INSPECTION,
        suspension=True,
        verification_request=True,
        after_repair=True,
    ),
}

# Kinds that need an instrument to act on (the others may name only a stall, with a note).
NEEDS_INSTRUMENT = frozenset(
    {
        FindingKind.EXPIRED_STAMP,
        FindingKind.BROKEN_SEAL,
        FindingKind.TYPE_NOT_APPROVED,
        FindingKind.UNSUITABLE_SCALE,
        FindingKind.ERROR_BEYOND_MPE,
    }
)

# The finding and its consequence in the minutes' words (Vietnamese, English).
FINDING_WORDS: dict[FindingKind, tuple[str, str]] = {
    FindingKind.NO_STAMP: (
        "Không có dấu, tem, giấy chứng nhận kiểm định còn hiệu lực",
        "No valid verification mark, stamp or certificate",
    ),
    FindingKind.EXPIRED_STAMP: (
        "Tem, giấy chứng nhận kiểm định hết hiệu lực",
        "Verification stamp or certificate expired",
    ),
    FindingKind.STAMP_FORGED: (
        "Tem kiểm định bị tẩy xóa, sửa chữa hoặc giả mạo",
        "Verification stamp altered or forged",
    ),
    FindingKind.BROKEN_SEAL: ("Kẹp chì, niêm phong bị phá", "Seal broken"),
    FindingKind.TYPE_NOT_APPROVED: (
        "Chưa được phê duyệt mẫu hoặc không đúng mẫu đã phê duyệt",
        "Type not approved or not matching the approved type",
    ),
    FindingKind.UNSUITABLE_SCALE: (
        "Cân không phù hợp với hàng hóa cần đo",
        "Scale unsuited to the goods weighed",
    ),
    FindingKind.ERROR_BEYOND_MPE: (
        "Sai số vượt quá giới hạn cho phép khi sử dụng",
        "Error beyond the in-service limit",
    ),
    FindingKind.OK: ("Đạt yêu cầu", "Meets the requirements"),
}

STATUS_WORDS: dict[InstrumentStatus, tuple[str, str]] = {
    S.NOT_TO_BE_USED: (
        "Không được sử dụng cho đến khi được kiểm định",
        "Not to be used until verified",
    ),
    S.SUSPENDED: ("Tạm dừng sử dụng", "Suspended from use"),
    S.FAILED: ("Không đạt", "Failed"),
}


def consequence_of(kind: FindingKind) -> Consequence | None:
    """Return what a finding of this kind does, or None when it changes nothing."""
    return CONSEQUENCES.get(kind)


def new_status(current: InstrumentStatus, target: InstrumentStatus) -> InstrumentStatus:
    """Return the status after a finding (instruments.lifecycle decides: one place)."""
    return finding_status(current, target)


def points_consistent(kind: FindingKind, points: Sequence[PointResult]) -> str | None:
    """Return why a finding's kind contradicts its judged points, or None when it agrees."""
    if kind is FindingKind.ERROR_BEYOND_MPE:
        if not points:
            return "no_points"
        if all_passed(points):
            return "points_within_mpe"
    if kind is FindingKind.OK and points and not all_passed(points):
        return "points_beyond_mpe"
    return None
