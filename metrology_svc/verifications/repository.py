"""Queries on verifications, their points and standards."""

from sqlmodel import Session, col, select

from metrology_svc.standards.models import ReferenceStandard
from metrology_svc.verifications.models import (
    Verification,
    VerificationPoint,
    VerificationStandard,
)


class VerificationRepository:
    """Reads and writes verifications."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, verification_id: int) -> Verification | None:
        """Return the verification with this id."""
        return self.session.get(Verification, verification_id)

    def for_instrument(self, instrument_id: int) -> list[Verification]:
        """Return the instrument's verifications, oldest first."""
        stmt = select(Verification).where(Verification.instrument_id == instrument_id)
        return list(
            self.session.exec(stmt.order_by(col(Verification.verified_on), col(Verification.id)))
        )

    def points(self, verification_id: int) -> list[VerificationPoint]:
        """Return the verification's points in order."""
        stmt = select(VerificationPoint).where(VerificationPoint.verification_id == verification_id)
        return list(self.session.exec(stmt.order_by(col(VerificationPoint.seq))))

    def standard_codes(self, verification_id: int) -> list[str]:
        """Return the codes of the standards the verification used."""
        stmt = (
            select(ReferenceStandard.code)
            .join(
                VerificationStandard, col(VerificationStandard.standard_id) == ReferenceStandard.id
            )
            .where(VerificationStandard.verification_id == verification_id)
            .order_by(col(ReferenceStandard.code))
        )
        return list(self.session.exec(stmt))

    def add(self, obj: Verification | VerificationPoint | VerificationStandard) -> None:
        """Stage a row and flush it so it gets its id."""
        self.session.add(obj)
        self.session.flush()
