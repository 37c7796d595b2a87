"""Pure rules of inspections: what a finding does, and test points against the in-service MPE."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from metrology_svc.inspections.models import FindingKind
from metrology_svc.instruments.models import InstrumentStatus
from metrology_svc.stamps.models import RevokeReason
from metrology_svc.verifications import rules as vrules


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
    """Return the status after a finding: retired stays retired, failed is never softened."""
    if current is InstrumentStatus.RETIRED:
        return current
    if current is InstrumentStatus.FAILED and target is InstrumentStatus.SUSPENDED:
        return current
    return target


def scale_in_service_mpe(
    *,
    load: Decimal,
    e: Decimal,
    accuracy_class: str,
    bands: Iterable[vrules.MpeBand],
    factor: Decimal,
) -> Decimal:
    """Return a scale's in-service MPE: factor (2 by OIML R 76) × the verification MPE."""
    return vrules.scale_mpe(
        load=load, e=e, accuracy_class=accuracy_class, bands=bands, factor=factor
    )


def points_consistent(kind: FindingKind, points: Sequence[vrules.PointResult]) -> str | None:
    """Return why a finding's kind contradicts its judged points, or None when it agrees."""
    if kind is FindingKind.ERROR_BEYOND_MPE:
        if not points:
            return "no_points"
        if vrules.all_passed(points):
            return "points_within_mpe"
    if kind is FindingKind.OK and points and not vrules.all_passed(points):
        return "points_beyond_mpe"
    return None
