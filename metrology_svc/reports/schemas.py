"""API shape of the yearly report (báo cáo công tác quản lý đo lường năm)."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class UnitRef(SQLModel):
    """A unit: the one reported on, or an old one whose records it covers."""

    code: str
    name: str
    level: str
    scheme: str = Field(default="", description='Code list: "2004" (until 30/06/2025), "2025"')
    division_type: str = ""
    former: bool = Field(default=False, description="The unit no longer exists (history)")


class IssuerRef(SQLModel):
    """Who issues the report: a commune's people's committee, or the province's department."""

    level: str = Field(description='"commune" or "province"')
    name: str = Field(description="e.g. Ủy ban nhân dân phường Sông Trí")
    name_en: str
    heading: list[str] = Field(description="Heading lines, parent body first (Decree 30/2020)")
    symbol: str = Field(description="In the number, e.g. SKHCN in Số: .../BC-SKHCN")
    place: str = Field(description='Place of the date line, e.g. "Hà Tĩnh"')
    signer: list[str] = Field(description="Authority and position (settings, else the level's)")
    signer_name: str = ""
    reports_to: str = Field(description="The body above (Nơi nhận)")


class ReportNote(SQLModel):
    """Something the reader must know about what the figures cover."""

    vi: str
    en: str


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
    in_service: int = 0
    overdue: int = Field(description="Past the due date, neither failed nor suspended")
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


class SiteKindInspections(SQLModel):
    """Inspections at one kind of site (markets, fuel stations, gold shops, ...)."""

    site_kind: str
    name_vi: str
    inspections: int
    closed: int
    sites: int
    findings: int
    violations: int = Field(description="Findings of any kind but ok")
    by_kind: list[FindingCount]


class MeasurementCheckCount(SQLModel):
    """Measurements re-made at inspections of one kind (cân, đong lại tại chỗ)."""

    kind: str
    name_vi: str
    checks: int
    short: int = Field(description="Short beyond the permitted limit")
    unsuitable_scale: int
    violations: int = Field(description="Violation records proposed")


class ReportTexts(SQLModel):
    """What the office writes into the report itself (kept with the report)."""

    achievements: str = Field(default="", max_length=20000, description="II.1 Kết quả đạt được")
    shortcomings: str = Field(
        default="", max_length=20000, description="II.2 Tồn tại, hạn chế và nguyên nhân"
    )
    next_steps: str = Field(default="", max_length=20000, description="III.1 Nhiệm vụ, giải pháp")
    proposals: str = Field(default="", max_length=20000, description="III.2 Kiến nghị, đề xuất")


class ReportTextsIn(ReportTexts):
    """The office's texts of a report, for a unit and period."""

    unit_code: str = Field(min_length=1, max_length=24)
    period_from: date
    period_to: date


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
    """The yearly report of a province or commune (for years before 2025: of a unit then)."""

    unit: UnitRef
    issuer: IssuerRef
    covers: list[UnitRef] = Field(
        default_factory=list,
        description="Old units that went whole into the unit: their records are counted too",
    )
    notes: list[ReportNote] = Field(default_factory=list)
    year: int = Field(description="The period's last year")
    period_from: date
    period_to: date
    period: str = Field(description='"năm 2026", "giai đoạn 2021-2025", or the two dates')
    number: int | None = Field(
        default=None, description="From the document register (BC) once issued; a reprint keeps it"
    )
    issued_on: date | None = None
    dated_on: date = Field(description="The date line's day: the day it was issued, else today")
    as_of: date
    generated_at: datetime
    verified_by_type: list[TypeVerified]
    verified_total: TypeVerified
    verifications_by_kind: list[KindVerified]
    due: DueSection
    control_scales: ControlSection
    inspections: InspectionSection
    inspections_by_site: list[SiteKindInspections] = Field(default_factory=list)
    measurement_checks: list[MeasurementCheckCount] = Field(default_factory=list)
    stamps: StampSection
    texts: ReportTexts = Field(default_factory=ReportTexts)
