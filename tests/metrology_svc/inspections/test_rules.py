"""Pure inspection rules: consequences, status changes, points agreeing with the kind."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.inspections import rules
from metrology_svc.inspections.models import FindingKind
from metrology_svc.instruments.models import InstrumentStatus as S
from metrology_svc.rulebook.rules import PointResult, judge_point
from metrology_svc.stamps.models import RevokeReason


@pytest.mark.parametrize(
    ("kind", "reason", "status", "measures"),
    [
        # Not verified (no stamp, expired, forged): "không được sử dụng", never failed.
        (FindingKind.NO_STAMP, RevokeReason.LOST_OR_STOLEN, S.NOT_TO_BE_USED, "RV"),
        (FindingKind.EXPIRED_STAMP, None, S.NOT_TO_BE_USED, "R"),
        (FindingKind.STAMP_FORGED, None, S.NOT_TO_BE_USED, "RV"),
        (FindingKind.BROKEN_SEAL, RevokeReason.BROKEN_SEAL, S.SUSPENDED, "SRA"),
        (FindingKind.TYPE_NOT_APPROVED, None, S.SUSPENDED, "SV"),
        (FindingKind.UNSUITABLE_SCALE, None, None, "V"),
        (FindingKind.ERROR_BEYOND_MPE, RevokeReason.FAILED_INSPECTION, S.SUSPENDED, "SRA"),
    ],
)
def test_each_finding_kind_has_its_own_consequence(
    kind: FindingKind, reason: RevokeReason | None, status: S | None, measures: str
) -> None:
    found = rules.consequence_of(kind)
    assert found is not None
    assert (found.revoke_reason, found.status) == (reason, status)
    flags = (found.suspension, found.verification_request, found.violation, found.after_repair)
    assert flags == tuple(letter in measures for letter in "SRVA")
    assert found.status is not S.FAILED  # an inspection is not a verification
    assert kind in rules.FINDING_WORDS


def test_only_an_expired_stamp_raises_a_notice_and_ok_changes_nothing() -> None:
    assert rules.consequence_of(FindingKind.OK) is None
    notices = {k: c.notice for k, c in rules.CONSEQUENCES.items() if c.notice}
    assert notices == {FindingKind.EXPIRED_STAMP: "overdue_recall"}


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (S.IN_SERVICE, S.SUSPENDED, S.SUSPENDED),
        (S.DUE, S.FAILED, S.FAILED),
        (S.SUSPENDED, S.FAILED, S.FAILED),
        (S.FAILED, S.SUSPENDED, S.FAILED),  # a failure is never softened
        (S.RETIRED, S.FAILED, S.RETIRED),
        (S.OVERDUE, S.NOT_TO_BE_USED, S.NOT_TO_BE_USED),
        (S.NOT_TO_BE_USED, S.SUSPENDED, S.SUSPENDED),
        (S.SUSPENDED, S.NOT_TO_BE_USED, S.SUSPENDED),
        (S.FAILED, S.NOT_TO_BE_USED, S.FAILED),
    ],
)
def test_new_status(current: S, target: S, expected: S) -> None:
    assert rules.new_status(current, target) is expected


SEVERITY = [S.NOT_TO_BE_USED, S.SUSPENDED, S.FAILED]


@given(current=st.sampled_from(list(S)), target=st.sampled_from(SEVERITY))
def test_a_finding_never_softens_a_status(current: S, target: S) -> None:
    after = rules.new_status(current, target)
    if current is S.RETIRED:
        assert after is S.RETIRED
    else:
        assert after in SEVERITY
        assert SEVERITY.index(after) >= SEVERITY.index(target)
        if current in SEVERITY:
            assert SEVERITY.index(after) >= SEVERITY.index(current)


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
