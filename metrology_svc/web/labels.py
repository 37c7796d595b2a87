"""Every code the pages show, in one table: Vietnamese first, English second.

A page never prints an enum value or a stored code: it asks `label(kind, code, lang)` (in the
templates the `label` filter: `{{ s.status | label("stamp_status") }}`). `ENUMS` ties each
enum of the models to its kind; a test walks every enum of the project and every value.
The stamp states and reasons are the public verify page's own texts (stamps/texts.py), so the
staff pages and the page the public scans say the same words; the instrument types are the
shipped types.csv's names.
"""

from enum import Enum

import jinja2

from metrology_svc.auth.models import Role
from metrology_svc.core.quantities import Convention, Unit
from metrology_svc.imports.schemas import ImportMode
from metrology_svc.inspection_plans.models import PlanState
from metrology_svc.inspections.models import (
    FindingKind,
    MeasureKind,
    MemberRole,
    PartyKind,
    PartySignature,
)
from metrology_svc.instrument_types.models import TypeCategory
from metrology_svc.instrument_types.service import read_types
from metrology_svc.instruments.models import InstrumentRole, InstrumentStatus
from metrology_svc.measurement_checks.models import KIND_TEXT, VERDICT_TEXT, CheckKind, Verdict
from metrology_svc.notices.models import Channel, DeliveryStatus, NoticeKind, RecipientRole
from metrology_svc.owners.models import Language, OwnerKind
from metrology_svc.rehoming.models import CaseStatus
from metrology_svc.rehoming.rules import Basis
from metrology_svc.rehoming.schemas import Outcome
from metrology_svc.sites.models import SiteKind
from metrology_svc.sites.service import MoveReason
from metrology_svc.stamps import texts as stamp_texts
from metrology_svc.stamps.models import FlagKind, RevokeReason, StampStatus
from metrology_svc.stamps.rules import State
from metrology_svc.standards.models import StandardKind
from metrology_svc.units.models import SuccessionShare, UnitLevel
from metrology_svc.verifications.models import VerificationKind, VerificationResult

Pair = tuple[str, str]

_STAMP_STATES: dict[str, Pair] = {
    state.value: (vi, en) for state, (vi, en, _a, _b) in stamp_texts.STATES.items()
}


def _types() -> dict[str, Pair]:
    return {t.code: (t.name_vi, t.name_en) for t in read_types()}


# kind → code → (Vietnamese, English)
LABELS: dict[str, dict[str, Pair]] = {
    "instrument_status": {
        "registered": ("Mới đăng ký", "Registered"),
        "in_service": ("Đang sử dụng", "In service"),
        "due": ("Sắp đến hạn", "Due"),
        "overdue": ("Quá hạn", "Overdue"),
        "failed": ("Không đạt", "Failed"),
        "suspended": ("Đình chỉ", "Suspended"),
        "not_to_be_used": ("Không được sử dụng", "Not to be used"),
        "retired": ("Ngừng sử dụng", "Retired"),
    },
    "instrument_role": {
        "trade": ("Mua bán", "Trade"),
        "control": ("Cân đối chứng", "Control scale"),
    },
    "instrument_type": _types(),
    "type_category": {
        "scale": ("Cân", "Scale"),
        "dispenser": ("Cột đo nhiên liệu", "Fuel dispenser"),
        "vehicle": ("Phương tiện đo trên xe", "On-vehicle instrument"),
        "meter": ("Đồng hồ đo", "Meter"),
    },
    "user_role": {
        "admin": ("Quản trị", "Administrator"),
        "inspector": ("Kiểm định viên / thanh tra", "Inspector"),
        "viewer": ("Người xem", "Viewer"),
        "owner": ("Chủ phương tiện đo", "Instrument owner"),
        "market_board": ("Ban quản lý chợ", "Market board"),
    },
    "verification_kind": {
        "initial": ("Ban đầu", "Initial"),
        "periodic": ("Định kỳ", "Periodic"),
        "after_repair": ("Sau sửa chữa", "After repair"),
        "imported": ("Nhập từ danh sách", "Imported"),
    },
    "verification_result": {
        "pass": ("Đạt", "Pass"),
        "fail": ("Không đạt", "Fail"),
        "incomplete": ("Chưa đủ điểm kiểm", "Incomplete"),
        "recorded": ("Ghi nhận theo danh sách", "Recorded from a list"),
    },
    # What a verification did to the instrument (instruments.lifecycle's outcome names).
    "verification_outcome": {
        "incomplete_no_change": ("chưa đủ điểm kiểm, không thay đổi", "incomplete, no change"),
        "history_only": ("chỉ ghi vào lịch sử", "history only"),
        "marked_failed": ("chuyển sang không đạt", "marked failed"),
        "due_date_moved": ("hạn kiểm định được dời", "due date moved"),
        "retire": ("ngừng sử dụng", "retired"),
        "suspend": ("đình chỉ", "suspended"),
        "reinstate": ("cho sử dụng lại", "reinstated"),
        "due_now": ("đến hạn ngay", "due now"),
        "finding": ("theo kết quả kiểm tra", "by an inspection finding"),
    },
    "stamp_state": _STAMP_STATES,
    "stamp_status": {
        "valid": ("Đang có hiệu lực", "In force"),
        "revoked": ("Đã thu hồi", "Revoked"),
        "superseded": ("Đã thay bằng tem mới", "Replaced by a newer stamp"),
    },
    # Revocation reasons and the instrument statuses that suspend a stamp.
    "stamp_reason": dict(stamp_texts.REASONS),
    "flag_kind": {
        "far_from_site": (
            "Quét xa nơi sử dụng (nghi tem bị sao chép)",
            "Scanned far from the site (copied stamp?)",
        ),
        "after_revocation": ("Quét sau khi tem bị thu hồi", "Scanned after revocation"),
    },
    "scan_channel": {
        "page": ("trang tra cứu", "the verify page"),
        "api": ("ứng dụng (API)", "an app (API)"),
    },
    "notice_kind": {
        "due_soon": ("Nhắc lịch kiểm định", "Verification reminder"),
        "overdue_recall": ("Thu hồi: quá hạn kiểm định", "Recall: verification overdue"),
        "failed_verification": ("Kiểm định không đạt", "Failed verification"),
        "recall_escalation": ("Thu hồi chưa được xác nhận", "Unacknowledged recall"),
        "suspect_seller": ("Kiểm tra đột xuất", "Out-of-cycle inspection"),
        "lost_stamp": ("Tem bị mất", "Lost stamp"),
        "control_offline": ("Cân đối chứng mất kết nối", "Control scale offline"),
        "control_out_of_tolerance": ("Cân đối chứng sai số", "Control scale out of tolerance"),
    },
    "recipient_role": {
        "owner": ("Chủ phương tiện đo", "Owner"),
        "inspector": ("Thanh tra, kiểm định viên", "Inspector"),
        "market_board": ("Ban quản lý chợ", "Market board"),
        "owner_officers": ("Người phụ trách của chủ phương tiện", "Owner's officers"),
    },
    "channel": {
        "email": ("Thư điện tử", "E-mail"),
        "webhook": ("Gọi hệ thống khác (webhook)", "Call to another system (webhook)"),
        "mqtt": ("Màn hình tại chợ (MQTT)", "Site display (MQTT)"),
        "letter": ("Thư giấy", "Printed letter"),
    },
    "delivery_status": {
        "pending": ("Đang chờ", "Pending"),
        "sent": ("Đã gửi", "Sent"),
        "failed": ("Lỗi, sẽ thử lại", "Failed, will retry"),
        "given_up": ("Đã ngừng thử", "Given up"),
    },
    "event": {
        "registered": ("Đăng ký", "Registered"),
        "updated": ("Sửa thông tin", "Updated"),
        "verified": ("Kiểm định", "Verified"),
        "verification_imported": ("Nhập kết quả kiểm định", "Verification imported"),
        "imported": ("Nhập từ danh sách", "Imported from a list"),
        "transferred": ("Chuyển chủ sở hữu", "Ownership transferred"),
        "status_changed": ("Đổi trạng thái", "Status changed"),
        "due_now": ("Đến hạn kiểm định ngay", "Due now"),
        "stamp_revoked": ("Thu hồi tem", "Stamp revoked"),
        "suspect": ("Người bán bị nghi vấn", "Suspect seller"),
        "inspection_request_closed": (
            "Đóng yêu cầu kiểm tra đột xuất",
            "Out-of-cycle inspection request closed",
        ),
        "inspection_finding": ("Kết quả kiểm tra", "Inspection finding"),
        "inspection_measure": ("Biện pháp xử lý", "Measure taken"),
    },
    "inspection_state": {
        "open": ("Đang kiểm tra", "Open"),
        "closed": ("Đã kết thúc", "Closed"),
    },
    "finding_kind": {
        "no_stamp": ("Không có tem kiểm định", "No stamp"),
        "expired_stamp": ("Tem kiểm định hết hiệu lực", "Expired stamp"),
        "stamp_forged": ("Tem bị tẩy xóa, sửa chữa, giả mạo", "Stamp altered or forged"),
        "broken_seal": ("Hỏng dấu niêm phong, kẹp chì", "Broken seal"),
        "type_not_approved": ("Chưa phê duyệt mẫu / không đúng mẫu", "Type not approved"),
        "unsuitable_scale": ("Cân không phù hợp với hàng hóa", "Scale unsuited to the goods"),
        "error_beyond_mpe": (
            "Sai số vượt mức cho phép",
            "Error beyond the maximum permissible error (MPE)",
        ),
        "ok": ("Đạt yêu cầu", "OK"),
    },
    "measure_kind": {
        "sealing": ("Niêm phong", "Sealing"),
        "suspension": ("Tạm dừng sử dụng", "Suspension of use"),
        "verification_request": ("Yêu cầu kiểm định", "Request for verification"),
        "violation_proposal": (
            "Đề nghị lập biên bản vi phạm hành chính",
            "Proposal of an administrative violation record",
        ),
    },
    "member_role": {
        "leader": ("Trưởng đoàn", "Leader"),
        "member": ("Thành viên", "Member"),
        "cooperating": ("Cơ quan phối hợp", "Cooperating agency"),
    },
    "party_kind": {
        "owner": ("Chủ phương tiện đo tại địa điểm", "An owner with instruments at the site"),
        "organisation": ("Tổ chức, cá nhân khác (ghi tên)", "Another organisation (named)"),
    },
    "party_signature": {
        "signed": ("Đã ký biên bản", "Signed the minutes"),
        "refused": ("Từ chối ký biên bản", "Refused to sign the minutes"),
    },
    # Who issues an inspection decision (core.issuer.IssuerLevel).
    "issuer_level": {
        "province": ("Sở Khoa học và Công nghệ", "Provincial department"),
        "commune": ("UBND xã, phường, đặc khu", "Commune people's committee"),
    },
    "check_kind": {k.value: pair for k, pair in KIND_TEXT.items()},
    "verdict": {k.value: pair for k, pair in VERDICT_TEXT.items()},
    "plan_state": {
        "draft": ("Dự thảo", "Draft"),
        "approved": ("Đã phê duyệt", "Approved"),
    },
    "owner_kind": {
        "household": ("Hộ kinh doanh", "Household business"),
        "company": ("Doanh nghiệp", "Company"),
    },
    "language": {
        "vi": ("Tiếng Việt", "Vietnamese"),
        "en": ("Tiếng Anh", "English"),
    },
    "number_convention": {
        "vi": ("Kiểu Việt Nam (1.000,5)", "Vietnamese (1.000,5)"),
        "en": ("Kiểu Anh (1,000.5)", "English (1,000.5)"),
    },
    "import_mode": {
        "all-or-nothing": ("Tất cả hoặc không dòng nào", "All or nothing"),
        "valid-only": ("Chỉ các dòng hợp lệ", "Valid rows only"),
    },
    "case_status": {
        "open": ("Chờ quyết định", "Awaiting a decision"),
        "decided": ("Đã quyết định", "Decided"),
    },
    "rehoming_basis": {
        "address": ("Theo địa chỉ", "By address"),
        "coordinates": ("Theo tọa độ", "By coordinates"),
        "default": ("Mặc định", "By default"),
        "none": ("Không có căn cứ", "No basis"),
    },
    "rehoming_outcome": {
        "moved": ("Đã chuyển", "Moved"),
        "case_opened": ("Đã mở hồ sơ chờ quyết định", "Case opened"),
        "case_already_open": ("Hồ sơ đã mở từ trước", "Case already open"),
        "no_succession": ("Không có đơn vị kế thừa", "No successor unit"),
        "name_taken": ("Tên đã có", "Name already taken"),
    },
    "site_kind": {
        "market": ("Chợ", "Market"),
        "fuel_station": ("Cửa hàng xăng dầu", "Fuel station"),
        "gold_shop": ("Tiệm vàng", "Gold shop"),
        "other": ("Khác", "Other"),
    },
    "move_reason": {
        "succession_whole": ("Sáp nhập nguyên đơn vị", "Whole unit merged"),
        "succession_reviewed": ("Chia tách, đã xem xét", "Split unit, reviewed"),
        "manual": ("Chuyển thủ công", "Moved by hand"),
    },
    "standard_kind": {
        "weight": ("Quả cân chuẩn", "Standard weight"),
        "proving_measure": ("Bình chuẩn", "Proving measure"),
        "other": ("Khác", "Other"),
    },
    "unit_level": {
        "province": ("Tỉnh, thành phố", "Province"),
        "district": ("Huyện, quận (trước 01/07/2025)", "District (before 01/07/2025)"),
        "commune": ("Xã, phường, đặc khu", "Commune"),
    },
    "succession_share": {
        "whole": ("Toàn bộ", "Whole"),
        "part": ("Một phần", "Part"),
    },
    # Units as written beside a field (the symbol where it is the same in both languages).
    "unit": {
        "L/min": ("L/phút", "L/min"),
    },
}

# The models' enums and the kind that labels them: a test holds every value to the table.
ENUMS: dict[type[Enum], str] = {
    InstrumentStatus: "instrument_status",
    InstrumentRole: "instrument_role",
    TypeCategory: "type_category",
    Role: "user_role",
    VerificationKind: "verification_kind",
    VerificationResult: "verification_result",
    State: "stamp_state",
    StampStatus: "stamp_status",
    RevokeReason: "stamp_reason",
    FlagKind: "flag_kind",
    NoticeKind: "notice_kind",
    RecipientRole: "recipient_role",
    Channel: "channel",
    DeliveryStatus: "delivery_status",
    FindingKind: "finding_kind",
    MeasureKind: "measure_kind",
    MemberRole: "member_role",
    PartyKind: "party_kind",
    PartySignature: "party_signature",
    CheckKind: "check_kind",
    Verdict: "verdict",
    PlanState: "plan_state",
    OwnerKind: "owner_kind",
    Language: "language",
    Convention: "number_convention",
    ImportMode: "import_mode",
    CaseStatus: "case_status",
    Basis: "rehoming_basis",
    Outcome: "rehoming_outcome",
    SiteKind: "site_kind",
    MoveReason: "move_reason",
    StandardKind: "standard_kind",
    UnitLevel: "unit_level",
    SuccessionShare: "succession_share",
}

# The page words (i18n / texts) that templates and scripts read by prefix ("st_" + status):
# made from this table, not written twice.
PREFIXED: tuple[tuple[str, str], ...] = (
    ("st_", "instrument_status"),
    ("role_", "user_role"),
    ("role_", "instrument_role"),
    ("k_", "verification_kind"),
    ("", "verification_result"),
    ("e_", "event"),
    ("n_", "notice_kind"),
    ("d_", "delivery_status"),
)
PREFIXED_TEXTS: tuple[tuple[str, str], ...] = (
    ("vk_", "verification_kind"),
    ("rr_", "stamp_reason"),
    ("fk_", "finding_kind"),
    ("mk_", "measure_kind"),
    ("ck_", "check_kind"),
    ("vd_", "verdict"),
)
PREFIXED_OFFICE: tuple[tuple[str, str], ...] = (
    ("mr_", "member_role"),
    ("pk_", "party_kind"),
    ("ps_", "party_signature"),
    ("lvl_", "issuer_level"),
    ("ck_", "check_kind"),
    ("cv_", "verdict"),
)


def label(kind: str, code: object, lang: str) -> str:
    """Return a code's label in the page language (the code itself if the table lacks it)."""
    text = str(code.value if isinstance(code, Enum) else code)
    pair = LABELS[kind].get(text)
    if pair is None:
        return text
    return pair[1] if lang == "en" else pair[0]


def prefixed_words(prefixes: tuple[tuple[str, str], ...]) -> dict[str, Pair]:
    """Return the table's labels under page-word keys (prefix + code)."""
    return {p + code: pair for p, kind in prefixes for code, pair in LABELS[kind].items()}


def unit_text(unit: Unit, lang: str) -> str:
    """Return a unit as written beside a field in the page language."""
    return label("unit", unit.symbol, lang)


@jinja2.pass_context
def label_filter(context: jinja2.runtime.Context, code: object, kind: str) -> str:
    """Jinja filter: `{{ code | label("kind") }}` in the page's language."""
    if code is None or code == "":
        return "—"
    return label(kind, code, str(context.get("lang", "vi")))


def in_lang(text: object, lang: str) -> str:
    """Return the page language's half of a stored "Vietnamese / English" text."""
    parts = str(text or "").split(" / ", 1)
    return parts[1] if lang == "en" and len(parts) == 2 else parts[0]


@jinja2.pass_context
def in_lang_filter(context: jinja2.runtime.Context, text: object) -> str:
    """Jinja filter: `{{ request.reason | in_lang }}` in the page's language."""
    return in_lang(text, str(context.get("lang", "vi")))
