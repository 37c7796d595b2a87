"""Reference standards (test weights, proving measures) used in verifications."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class StandardKind(StrEnum):
    """Kind of reference standard."""

    WEIGHT = "weight"
    PROVING_MEASURE = "proving_measure"
    OTHER = "other"


class StandardBase(SQLModel):
    """Fields a client gives for a reference standard."""

    code: str = Field(min_length=1, max_length=64, description="Inventory code of the standard")
    name: str = Field(min_length=1, max_length=200)
    kind: StandardKind = StandardKind.WEIGHT
    nominal: str = Field(default="", max_length=64, description="e.g. 20 kg M1, 20 L")
    calibrated_on: date | None = None
    calibration_valid_until: date | None = None


class ReferenceStandard(StandardBase, table=True):
    """A reference standard with its calibration validity."""

    __tablename__ = "reference_standard"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    kind: StandardKind = Field(default=StandardKind.WEIGHT, sa_type=EnumText(StandardKind, 24))
    created_at: datetime = Field(default_factory=utcnow)
