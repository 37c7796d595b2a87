"""State inspections at a site and the findings recorded there (each synced exactly once)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class FindingKind(StrEnum):
    """What an inspector found about one instrument or stamp (Circular 28/2013's terms)."""

    NO_STAMP = "no_stamp"  # không có dấu, tem, giấy chứng nhận kiểm định còn hiệu lực
    EXPIRED_STAMP = "expired_stamp"  # tem / giấy chứng nhận kiểm định hết hiệu lực
    STAMP_FORGED = "stamp_forged"  # tem bị tẩy xóa, sửa chữa, giả mạo (the stamp check decides)
    BROKEN_SEAL = "broken_seal"  # kẹp chì / niêm phong bị phá
    TYPE_NOT_APPROVED = "type_not_approved"  # chưa phê duyệt mẫu / không đúng mẫu đã phê duyệt
    UNSUITABLE_SCALE = "unsuitable_scale"  # cân không phù hợp với hàng hóa (TT 09/2017 Bảng 1)
    ERROR_BEYOND_MPE = "error_beyond_mpe"  # sai số vượt mức cho phép khi sử dụng
    OK = "ok"  # đạt


class MemberRole(StrEnum):
    """A member's place in the inspection team (đoàn kiểm tra)."""

    LEADER = "leader"  # trưởng đoàn: holds the state-inspection certificate
    MEMBER = "member"  # thành viên
    COOPERATING = "cooperating"  # cơ quan phối hợp


class PartyKind(StrEnum):
    """Who is inspected: an owner registered here, or an organisation named in the decision."""

    OWNER = "owner"
    ORGANISATION = "organisation"


class MeasureKind(StrEnum):
    """A measure the team takes (biện pháp xử lý)."""

    SEALING = "sealing"  # niêm phong (seal numbers)
    SUSPENSION = "suspension"  # tạm dừng sử dụng
    VERIFICATION_REQUEST = "verification_request"  # yêu cầu kiểm định (with a deadline)
    VIOLATION_PROPOSAL = "violation_proposal"  # đề nghị lập biên bản vi phạm hành chính


class PartySignature(StrEnum):
    """What the inspected party's representative did with the minutes."""

    SIGNED = "signed"
    REFUSED = "refused"  # từ chối ký


class InspectionBase(SQLModel):
    """Fields a client gives for an inspection."""

    site_id: int
    inspector: str = Field(min_length=2, max_length=200, description="Trưởng đoàn / inspector")
    inspected_on: date
    note: str = Field(default="", max_length=2000)


class Inspection(InspectionBase, table=True):
    """A state inspection (kiểm tra nhà nước về đo lường) at one site on one day."""

    __tablename__ = "inspection"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    inspected_on: date = Field(index=True)
    # The administrative unit the record was made under (the site's unit then): a record keeps
    # it when the site later moves to a new commune.
    unit_id: int | None = Field(default=None, foreign_key="admin_unit.id", index=True)
    started_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Recorded at closing, printed on the minutes (biên bản).
    party_signature: PartySignature | None = Field(
        default=None, sa_type=EnumText(PartySignature, 16)
    )
    refusal_note: str = Field(default="", max_length=1000)
    conclusion: str = Field(default="", max_length=4000)


class InspectionFinding(SQLModel, table=True):
    """One finding; its phone-made UUID is unique, so a resend is stored (and acted on) once."""

    __tablename__ = "inspection_finding"

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    kind: FindingKind = Field(sa_type=EnumText(FindingKind, 24))
    instrument_id: int | None = Field(default=None, foreign_key="instrument.id", index=True)
    stamp_id: int | None = Field(default=None, foreign_key="stamp.id")
    # What the stamp check said of the scanned code (forged, expired, valid, ...).
    stamp_state: str | None = Field(default=None, max_length=16)
    goods: str = Field(default="", max_length=200)  # an unsuitable scale: the goods weighed
    note: str = Field(default="", max_length=1000)
    latitude: float | None = None
    longitude: float | None = None
    observed_at: datetime | None = None  # the phone's clock when the finding was made
    # Judged test points: reference, indicated, error, mpe (in-service), passed; g or mL.
    points: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    revoked_stamp_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    status_before: str | None = Field(default=None, max_length=16)
    status_after: str | None = Field(default=None, max_length=16)
    notices_created: int = 0
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class InspectionDecision(SQLModel, table=True):
    """The decision (quyết định kiểm tra) an inspection runs under, with the inspected party."""

    __tablename__ = "inspection_decision"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", unique=True)
    number: int  # from the document register (QĐ)
    number_text: str = Field(max_length=80)  # "Số: 3/QĐ-SKHCN"
    decided_on: date
    issuer_level: str = Field(max_length=16)  # province | commune
    issuing_body: str = Field(max_length=300)
    legal_bases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signer_position: str = Field(max_length=200)
    signer_name: str = Field(max_length=200)
    party_kind: PartyKind = Field(sa_type=EnumText(PartyKind, 16))
    owner_id: int | None = Field(default=None, foreign_key="owner.id")
    party_name: str = Field(max_length=300)
    party_address: str = Field(default="", max_length=400)
    representative_name: str = Field(max_length=200)
    representative_position: str = Field(max_length=200)
    inspect_from: date
    inspect_to: date
    place: str = Field(max_length=400)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class InspectionMember(SQLModel, table=True):
    """A member of the inspection team, in the order the decision lists them."""

    __tablename__ = "inspection_member"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    position_no: int  # order in the decision
    role: MemberRole = Field(sa_type=EnumText(MemberRole, 16))
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)  # chức vụ
    agency: str = Field(default="", max_length=300)  # đơn vị công tác / cơ quan phối hợp
    certificate_no: str | None = Field(default=None, max_length=64)  # thẻ kiểm tra viên


class InspectionMeasure(SQLModel, table=True):
    """A measure taken at the inspection; a finding's consequence proposes some by itself."""

    __tablename__ = "inspection_measure"

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str | None = Field(default=None, max_length=36, unique=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    kind: MeasureKind = Field(sa_type=EnumText(MeasureKind, 24))
    instrument_id: int | None = Field(default=None, foreign_key="instrument.id", index=True)
    finding_id: int | None = Field(default=None, foreign_key="inspection_finding.id")
    seal_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    deadline: date | None = None
    after_repair: bool = False  # a verification request after repair (sau sửa chữa)
    note: str = Field(default="", max_length=1000)
    status_after: str | None = Field(default=None, max_length=16)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
