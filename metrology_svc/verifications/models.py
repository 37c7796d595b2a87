"""Verifications, their test points and the reference standards they used."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class VerificationKind(StrEnum):
    """Kind of verification (Law on Metrology 04/2011/QH13)."""

    INITIAL = "initial"  # ban đầu
    PERIODIC = "periodic"  # định kỳ
    AFTER_REPAIR = "after_repair"  # sau sửa chữa
    IMPORTED = "imported"  # reported by an office's list, recorded as given


class VerificationResult(StrEnum):
    """Outcome of a verification."""

    PASS = "pass"  # đạt
    FAIL = "fail"  # không đạt
    # Every point within its MPE but a load the procedure requires is missing: never a pass.
    INCOMPLETE = "incomplete"  # chưa đủ điểm kiểm
    # Reported by an office's list (imported), not judged here: moves the due date, no stamp.
    RECORDED = "recorded"  # ghi nhận theo danh sách


class Verification(SQLModel, table=True):
    """A verification of one instrument on one day."""

    __tablename__ = "verification"

    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    kind: VerificationKind = Field(sa_type=EnumText(VerificationKind, 16))
    # The administrative unit the record was made under (the site's unit then): a record keeps
    # it when the site later moves to a new commune.
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    verified_on: date = Field(index=True)
    verifier: str = Field(max_length=200)
    procedure: str = Field(max_length=64)
    result: VerificationResult = Field(sa_type=EnumText(VerificationResult, 16))
    cycle_months: int | None = None
    valid_until: date | None = None
    # The rulebook version whose cycle gave valid_until (NULL: judged before the rulebook).
    cycle_rule_id: int | None = Field(default=None, foreign_key="rule_table.id")
    cycle_rule: str | None = Field(default=None, max_length=300)
    # The required-loads version that judged completeness, and the loads found missing.
    loads_rule_id: int | None = Field(default=None, foreign_key="rule_table.id")
    loads_rule: str | None = Field(default=None, max_length=300)
    missing_loads: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    certificate_no: str | None = Field(default=None, max_length=64)
    notes: str = Field(default="", max_length=2000)
    # An imported record: the file and row it came from.
    source_file: str | None = Field(default=None, max_length=255)
    source_row: int | None = None
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class VerificationPoint(SQLModel, table=True):
    """One test point: the reference (load or volume) and the indication, with the judgement."""

    __tablename__ = "verification_point"

    id: int | None = Field(default=None, primary_key=True)
    verification_id: int = Field(foreign_key="verification.id", index=True)
    seq: int
    unit: str = Field(max_length=4)  # "g" for scales, "mL" for dispensers
    reference: float
    indicated: float
    error: float
    mpe: float
    passed: bool
    # The rulebook version that gave the MPE (NULL: given per point, or judged before it).
    mpe_rule_id: int | None = Field(default=None, foreign_key="rule_table.id")
    mpe_rule: str | None = Field(default=None, max_length=300)


class VerificationStandard(SQLModel, table=True):
    """Link: a verification used a reference standard."""

    __tablename__ = "verification_standard"

    verification_id: int = Field(foreign_key="verification.id", primary_key=True)
    standard_id: int = Field(foreign_key="reference_standard.id", primary_key=True, index=True)
