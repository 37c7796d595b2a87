"""Pure inspection rules: consequences, status changes, points agreeing with the kind."""

from decimal import Decimal

import pytest

from metrology_svc.inspections import rules
from metrology_svc.inspections.models import FindingKind
from metrology_svc.instruments.models import InstrumentStatus as S
from metrology_svc.rulebook.rules import PointResult, judge_point
from metrology_svc.stamps.models import RevokeReason


@pytest.mark.parametrize(
    ("kind", "reason", "status"),
    [
        (FindingKind.BROKEN_SEAL, RevokeReason.BROKEN_SEAL, S.SUSPENDED),
        (FindingKind.EXPIRED_STAMP, RevokeReason.FAILED_INSPECTION, S.SUSPENDED),
        (FindingKind.ERROR_BEYOND_MPE, RevokeReason.FAILED_INSPECTION, S.FAILED),
    ],
)
def test_findings_that_take_an_instrument_out_of_trade(
    kind: FindingKind, reason: RevokeReason, status: S
) -> None:
    assert rules.consequence_of(kind) == rules.Consequence(reason, status)


@pytest.mark.parametrize("kind", [FindingKind.OK, FindingKind.NO_STAMP])
def test_findings_that_change_nothing(kind: FindingKind) -> None:
    assert rules.consequence_of(kind) is None


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (S.IN_SERVICE, S.SUSPENDED, S.SUSPENDED),
        (S.DUE, S.FAILED, S.FAILED),
        (S.SUSPENDED, S.FAILED, S.FAILED),
        (S.FAILED, S.SUSPENDED, S.FAILED),  # a failure is never softened
        (S.RETIRED, S.FAILED, S.RETIRED),
    ],
)
def test_new_status(current: S, target: S, expected: S) -> None:
    assert rules.new_status(current, target) is expected


def _point(error: int, mpe: int = 150) -> PointResult:
    return judge_point(reference=Decimal(15000), indicated=Decimal(15000 + error), mpe=Decimal(mpe))


def test_points_must_agree_with_the_kind() -> None:
    beyond, within = _point(151), _point(150)
    assert rules.points_consistent(FindingKind.ERROR_BEYOND_MPE, []) == "no_points"
    assert rules.points_consistent(FindingKind.ERROR_BEYOND_MPE, [within]) == "points_within_mpe"
    assert rules.points_consistent(FindingKind.ERROR_BEYOND_MPE, [within, beyond]) is None
    assert rules.points_consistent(FindingKind.OK, [beyond]) == "points_beyond_mpe"
    assert rules.points_consistent(FindingKind.OK, [within]) is None
    assert rules.points_consistent(FindingKind.BROKEN_SEAL, []) is None
