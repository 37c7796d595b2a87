"""API shapes for verifications."""

from datetime import date, datetime

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from metrology_svc.core.types import FiniteFloat
from metrology_svc.verifications.models import VerificationKind, VerificationResult


class PointIn(SQLModel):
    """A test point: scales give load and indication in grams, dispensers volumes in mL."""

    reference: FiniteFloat = Field(ge=0, le=1e9, description="Load (g) or test volume (mL)")
    indicated: FiniteFloat = Field(
        ge=-1e9, le=1e9, description="Indication (g) or indicated volume (mL)"
    )
    mpe: FiniteFloat | None = Field(
        default=None, gt=0, le=1e9, description="Only for types without a built-in MPE rule"
    )


class VerificationCreate(SQLModel):
    """A verification to record against an instrument."""

    kind: VerificationKind
    verified_on: date
    verifier: str = Field(min_length=2, max_length=200)
    procedure: str = Field(min_length=2, max_length=64, description="e.g. ĐLVN 30:2019")
    certificate_no: str | None = Field(default=None, max_length=64)
    standard_codes: list[str] = Field(default_factory=list, max_length=20)
    points: list[PointIn] = Field(min_length=1, max_length=100)
    notes: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _codes_unique(self) -> "VerificationCreate":
        if len(set(self.standard_codes)) != len(self.standard_codes):
            raise ValueError("standard_codes must not repeat")
        return self


class PointPublic(SQLModel):
    """A judged test point."""

    seq: int
    unit: str
    reference: float
    indicated: float
    error: float
    mpe: float
    passed: bool
    mpe_rule_id: int | None = Field(default=None, description="rule_table id of the MPE rule")
    mpe_rule: str | None = Field(
        default=None,
        description="The MPE rule and its version, e.g. 'ĐLVN 30:2019 / R 76 bảng 6, phiên bản "
        "2013-11-15'; null: given with the point, or judged before the rulebook",
    )


class MissingLoad(SQLModel):
    """A test load the procedure requires that no point covered (the result is incomplete)."""

    label: str = Field(description="e.g. Min, ½ Max, Max, Qmax")
    low: float = Field(description="Lowest reference that counts, in the points' unit")
    high: float | None = Field(description="Highest reference that counts (null: no limit)")
    unit: str
    message: str
    message_vi: str


class VerificationPublic(SQLModel):
    """A verification with its judged points."""

    id: int
    instrument_id: int
    kind: VerificationKind
    verified_on: date
    verifier: str
    procedure: str
    result: VerificationResult
    cycle_months: int | None
    valid_until: date | None
    cycle_rule_id: int | None = Field(default=None, description="rule_table id of the cycle")
    cycle_rule: str | None = Field(default=None, description="The cycle rule and its version")
    loads_rule_id: int | None = Field(
        default=None, description="rule_table id of the required loads that judged completeness"
    )
    loads_rule: str | None = Field(default=None, description="The required-loads rule and version")
    missing_loads: list[MissingLoad] = Field(
        default_factory=list, description="Required loads no point covered (result incomplete)"
    )
    certificate_no: str | None
    notes: str
    source_file: str | None = Field(default=None, description="Imported: the file it came from")
    source_row: int | None = Field(default=None, description="Imported: the row in that file")
    standard_codes: list[str]
    points: list[PointPublic]
    created_at: datetime
