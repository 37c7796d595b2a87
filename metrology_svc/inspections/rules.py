"""Pure rules of inspections: what a finding does, and whether its points agree with its kind."""

from collections.abc import Sequence
from dataclasses import dataclass

from metrology_svc.inspections.models import FindingKind
from metrology_svc.instruments.lifecycle import finding_status
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.rulebook.rules import PointResult, all_passed
from metrology_svc.stamps.models import RevokeReason


@dataclass(frozen=True, slots=True)
class Consequence:
    """What a finding does to the instrument: the stamp revoked (why) and the status set."""

    revoke_reason: RevokeReason
    status: InstrumentStatus


# A broken seal or an expired stamp takes the instrument out of trade until it is verified
# again (suspended); an error beyond the in-service MPE is a failure. No stamp and ok change
# nothing here (an instrument with no stamp has none to revoke).
CONSEQUENCES: dict[FindingKind, Consequence] = {
    FindingKind.BROKEN_SEAL: Consequence(RevokeReason.BROKEN_SEAL, InstrumentStatus.SUSPENDED),
    FindingKind.EXPIRED_STAMP: Consequence(
        RevokeReason.FAILED_INSPECTION, InstrumentStatus.SUSPENDED
    ),
    FindingKind.ERROR_BEYOND_MPE: Consequence(
        RevokeReason.FAILED_INSPECTION, InstrumentStatus.FAILED
    ),
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
