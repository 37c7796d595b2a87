"""API shape of the yearly report (báo cáo công tác quản lý đo lường năm)."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class UnitRef(SQLModel):
    """The district or province reported on."""

    code: str
    name: str
    level: str


class TypeVerified(SQLModel):
    """Verifications of one instrument type in the year (or the total over types)."""

    type_code: str
    name_vi: str
    name_en: str
    verifications: int
    instruments: int
    passed: int
    failed: int
    incomplete: int = Field(
        default=0, description="All points within MPE but a required load missing: no stamp"
    )
    recorded: int = Field(
        default=0,
        description="Imported records (recorded from an office's list, not judged here): "
        "not counted in verifications, passed or the pass rate",
    )
    pass_rate: float | None = Field(description="Per cent of verifications that passed")


class KindVerified(SQLModel):
    """Verifications of one kind (initial, periodic, after repair)."""

    kind: str
    name_vi: str
    verifications: int
    passed: int
    failed: int
    incomplete: int = 0


class DueRow(SQLModel):
    """Instruments of one type in use on the as-of day, by due state."""

    type_code: str
    name_vi: str
    name_en: str
    instruments: int
    overdue: int
    due_soon: int
    never_verified: int
    failed: int
    suspended: int


class DueSection(SQLModel):
    """Due and overdue at year end (31/12, or today when the year is not over)."""

    as_of: date
    due_soon_days: int
    total: DueRow
    by_type: list[DueRow]


class ControlSection(SQLModel):
    """Control scales at markets (trạm cân đối chứng) and what consumers found with them."""

    stations: int = Field(description="Markets with a connected control scale")
    devices: int
    consumer_checks: int
    shortfalls: int = Field(description="Checks short under a binding table (evidence)")
    indications: int = Field(
        default=0,
        description="Checks beyond a reference-only table's tolerance (chênh lệch): not evidence",
    )
    missing_g: float
    suspect_sellers: int
    inspection_requests: int


class FindingCount(SQLModel):
    """Findings of one kind."""

    kind: str
    name_vi: str
    findings: int
    instruments: int


class InspectionSection(SQLModel):
    """State inspections (kiểm tra nhà nước về đo lường) in the year and their findings."""

    inspections: int
    closed: int
    sites: int
    findings: int
    by_kind: list[FindingCount]


class ReasonCount(SQLModel):
    """Stamps revoked for one reason."""

    reason: str
    name_vi: str
    stamps: int


class StampSection(SQLModel):
    """Stamps issued for the year's verifications and stamps revoked during the year."""

    issued: int
    revoked: int
    revoked_by_reason: list[ReasonCount]


class YearlyReport(SQLModel):
    """The yearly report of a district or province."""

    unit: UnitRef
    year: int
    as_of: date
    generated_at: datetime
    verified_by_type: list[TypeVerified]
    verified_total: TypeVerified
    verifications_by_kind: list[KindVerified]
    due: DueSection
    control_scales: ControlSection
    inspections: InspectionSection
    stamps: StampSection
