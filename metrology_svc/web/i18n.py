"""Words of the web pages: Vietnamese first, English one tap away (?lang=en or a cookie)."""

from fastapi import Request

from metrology_svc.web.labels import PREFIXED, prefixed_words
from metrology_svc.web.session import LANG_COOKIE

LANGS = ("vi", "en")

# key: (Vietnamese, English)
WORDS: dict[str, tuple[str, str]] = {
    "app": ("Quản lý phương tiện đo", "Measuring instruments"),
    "skip": ("Bỏ qua đến nội dung", "Skip to content"),
    "other_lang": ("English", "Tiếng Việt"),
    "dashboard": ("Tổng quan", "Dashboard"),
    "instruments": ("Phương tiện đo", "Instruments"),
    "notices": ("Thông báo", "Notices"),
    "markets": ("Chợ", "Markets"),
    "register": ("Đăng ký mới", "Register"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "email": ("E-mail", "E-mail"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": (
        "E-mail hoặc mật khẩu không đúng.",
        "The e-mail or password is not right.",
    ),
    "csrf_failed": (
        "Biểu mẫu đã hết hạn; vui lòng tải lại trang và gửi lại.",
        "The form has expired; reload the page and submit again.",
    ),
    "error": ("Lỗi", "Error"),
    "back": ("Quay lại", "Back"),
    "status": ("Trạng thái", "Status"),
    "by_commune": ("Theo xã, phường (tổng theo tỉnh)", "By commune (province totals)"),
    "by_district": ("Theo huyện cũ (trước 01/07/2025)", "By former district (before 01/07/2025)"),
    "by_type": ("Theo loại phương tiện đo", "By instrument type"),
    "commune": ("Tỉnh / xã, phường, đặc khu", "Province / commune"),
    "district": ("Tỉnh / huyện cũ", "Province / former district"),
    "former_unit": ("đơn vị cũ", "former unit"),
    "no_district": (
        "Không thuộc huyện nào vào ngày này",
        "In no district on that day",
    ),
    "view_communes": ("Xem theo xã, phường", "View by commune"),
    "view_districts": ("Xem theo huyện cũ", "View by former district"),
    "as_of_day": ("Ngày", "On the day"),
    "in_use_on_day": ("Đang sử dụng", "In use"),
    "district_note": (
        "Phương tiện đo đang sử dụng vào ngày đã chọn, theo huyện nơi đặt vào ngày đó (theo "
        "lịch sử chuyển đơn vị của địa điểm); hạn kiểm định tính đến ngày đó.",
        "Instruments in use on the chosen day, by the district their site lay in that day "
        "(through the site's moves); due dates as they stood that day.",
    ),
    "st_due_soon": ("Sắp đến hạn", "Due soon"),
    "st_never": ("Chưa kiểm định", "Never verified"),
    "type": ("Loại", "Type"),
    "total": ("Tổng", "Total"),
    "control_scales": ("Cân đối chứng", "Control scales"),
    "online": ("Đang kết nối", "Online"),
    "offline": ("Mất kết nối", "Offline"),
    "never_heard": ("Chưa gửi dữ liệu", "Never heard"),
    "shortfalls": ("Bằng chứng cân thiếu gần đây", "Latest shortfall evidence"),
    "none": ("Không có", "None"),
    "chart_title": (
        "Phương tiện cần xử lý theo xã, phường",
        "Instruments needing action by commune",
    ),
    "chart_title_districts": (
        "Phương tiện theo huyện cũ vào ngày đã chọn",
        "Instruments by former district on the chosen day",
    ),
    "serial": ("Số sản xuất", "Serial"),
    "manufacturer": ("Nơi sản xuất", "Manufacturer"),
    "model": ("Kiểu", "Model"),
    "type_approval_no": ("Số phê duyệt mẫu", "Type approval no."),
    "accuracy_class": ("Cấp chính xác", "Accuracy class"),
    "manufactured_year": ("Năm sản xuất", "Year made"),
    # The form shows each quantity's unit beside its field; the history writes it after the value.
    "max_g": ("Mức cân lớn nhất (Max)", "Maximum capacity (Max)"),
    "e_g": ("Giá trị độ chia kiểm (e)", "Verification scale interval (e)"),
    "d_g": ("Giá trị độ chia (d)", "Scale interval (d)"),
    "qmin_lpm": ("Lưu lượng nhỏ nhất (Qmin)", "Minimum flow rate (Qmin)"),
    "qmax_lpm": ("Lưu lượng lớn nhất (Qmax)", "Maximum flow rate (Qmax)"),
    "nozzles": ("Số vòi", "Nozzles"),
    "mmq_l": ("Lượng đo nhỏ nhất (MMQ)", "Minimum measured quantity (MMQ)"),
    "seal_number": ("Số niêm phong", "Seal number"),
    "owner": ("Chủ phương tiện", "Owner"),
    "site": ("Nơi sử dụng", "Site"),
    "role": ("Công dụng", "Use"),
    "unit": ("Đơn vị hành chính (mã)", "Administrative unit (code)"),
    "due_date": ("Hạn kiểm định", "Due date"),
    "due_from": ("Hạn từ", "Due from"),
    "due_to": ("Hạn đến", "Due to"),
    "last_verified": ("Kiểm định lần cuối", "Last verified"),
    "filter": ("Lọc", "Filter"),
    "all": ("Tất cả", "All"),
    "sort": ("Sắp xếp", "Sort"),
    "prev": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "shown": ("Hiển thị", "Showing"),
    "of": ("trên", "of"),
    "save": ("Lưu", "Save"),
    "edit": ("Sửa", "Edit"),
    "saved": ("Đã lưu.", "Saved."),
    "number_hint": (
        "Số viết kiểu Việt Nam: 15.000 là mười lăm nghìn, 1,5 là một phẩy năm. "
        "Có thể ghi kèm đơn vị, ví dụ 15 kg.",
        "Numbers are written the Vietnamese way: 15.000 is fifteen thousand, 1,5 is one and a "
        "half. You may add a unit, e.g. 15 kg.",
    ),
    "point_hint": (
        "Dấu phẩy là dấu thập phân, như trên giấy tờ: 15,080 là mười lăm phẩy không tám. "
        "Có thể ghi đơn vị khác, ví dụ 500 g.",
        "The comma is the decimal mark, as on Vietnamese forms: 15,080 is fifteen point zero "
        "eight. You may write another unit, e.g. 500 g.",
    ),
    "fix_fields": ("Vui lòng sửa các trường được đánh dấu.", "Please fix the marked fields."),
    "history": ("Lịch sử", "History"),
    "stamps": ("Tem kiểm định", "Stamps"),
    "scans": ("Lượt quét tem", "Stamp scans"),
    "verifications": ("Kiểm định", "Verifications"),
    "verify_now": ("Nhập kết quả kiểm định", "Record a verification"),
    "when": ("Thời điểm", "When"),
    "event": ("Sự kiện", "Event"),
    "detail": ("Chi tiết", "Detail"),
    "valid_until": ("Hiệu lực đến", "Valid until"),
    "kind": ("Hình thức", "Kind"),
    "verified_on": ("Ngày kiểm định", "Verified on"),
    "verifier": ("Kiểm định viên", "Verifier"),
    "procedure": ("Quy trình", "Procedure"),
    "certificate_no": ("Số giấy chứng nhận", "Certificate no."),
    "standard_codes": ("Chuẩn sử dụng (mã, cách nhau dấu phẩy)", "Standards used (codes, commas)"),
    "notes": ("Ghi chú", "Notes"),
    "points": ("Điểm kiểm", "Test points"),
    "reference": ("Giá trị chuẩn", "Reference"),
    "indicated": ("Số chỉ", "Indication"),
    "mpe": ("MPE", "MPE"),
    # "MPE" the first time a page uses it; after that the short form.
    "mpe_first": ("Sai số lớn nhất cho phép (MPE)", "Maximum permissible error (MPE)"),
    "err": ("Sai số", "Error"),
    "result": ("Kết quả", "Result"),
    "incomplete_note": (
        "Thiếu mức tải bắt buộc: không cấp tem, hạn kiểm định không đổi.",
        "Required test loads are missing: no stamp, the due date does not move.",
    ),
    "recorded_note": (
        "Kết quả theo danh sách được nhập, không đánh giá lại; không cấp tem.",
        "Recorded from an imported list, not re-judged; no stamp.",
    ),
    "cycle_rule": ("Quy định chu kỳ", "Cycle rule"),
    "loads_rule": ("Quy định mức tải bắt buộc", "Required loads rule"),
    "mpe_rule": ("Quy định sai số", "MPE rule"),
    "mpe_given": ("MPE nhập kèm điểm", "MPE given with the point"),
    "source": ("Nguồn", "Source"),
    "row": ("dòng", "row"),
    "add_point": ("Thêm điểm", "Add a point"),
    "record": ("Ghi kết quả", "Record"),
    "print_stamp": ("In tem kiểm định (PDF)", "Print the stamp (PDF)"),
    "verification_recorded": ("Đã ghi kết quả kiểm định.", "The verification is recorded."),
    "number": ("Số", "Number"),
    "created": ("Ngày tạo", "Created"),
    "delivery": ("Gửi", "Delivery"),
    "acknowledged": ("Đã xác nhận", "Acknowledged"),
    "resend": ("Gửi lại", "Resend"),
    "letter": ("In thư (PDF)", "Print the letter (PDF)"),
    "requeued": ("Đã xếp lại lượt gửi", "Deliveries re-queued"),
    "live_feed": ("Cân lại trực tiếp", "Live consumer checks"),
    "sellers": ("Người bán cân thiếu hoặc chênh lệch", "Sellers flagged"),
    "seller": ("Người bán", "Seller"),
    "checks": ("Lượt cân", "Checks"),
    "short": ("Thiếu", "Short"),
    "missing_g": ("Thiếu (g)", "Missing (g)"),
    "declared_g": ("Khai báo (g)", "Declared (g)"),
    "net_g": ("Cân được (g)", "Weighed (g)"),
    "suspect": ("Nghi vấn", "Suspect"),
    "ok": ("Đủ", "OK"),
    "connecting": ("Đang kết nối…", "Connecting…"),
    "live": ("Trực tiếp", "Live"),
    "feed_lost": ("Mất kết nối, đang thử lại…", "Connection lost, retrying…"),
    "inspection_request": ("Yêu cầu kiểm tra đột xuất", "Out-of-cycle inspection request"),
    "open_market": ("Xem chợ", "Open market"),
    "devices": ("Thiết bị", "Devices"),
    # Consumer checks: a shortfall only under a binding table, else a deviation (tham khảo).
    "deviation": ("Chênh lệch (tham khảo)", "Deviation (reference only)"),
    "deviation_note": (
        "Chênh lệch (tham khảo): vượt dung sai của bảng chỉ để tham khảo (như OIML R 87), "
        "không phải bằng chứng cân thiếu và không dẫn tới kiểm tra đột xuất.",
        "Deviation (reference only): beyond the tolerance of a reference table (such as OIML "
        "R 87); not evidence of short-weighing and never a reason for an inspection.",
    ),
    "tolerance": ("dung sai tham khảo", "reference tolerance"),
    "unsettled": ("Chưa ổn định", "Unsettled"),
    "not_judged": ("Chưa đánh giá", "Not judged"),
    "judgement": ("Đánh giá", "Judgement"),
    "rule": ("Quy định", "Rule"),
    "no_rule": ("Chưa có quy định", "No rule"),
    "binding": ("Bắt buộc", "Binding"),
    "reference_only": ("Chỉ tham khảo", "Reference only"),
    "rules_applied": ("Quy định dùng để đánh giá cân lại", "Rules the checks were judged by"),
    "flagged_checks": ("Cân lại thiếu hoặc chênh lệch gần đây", "Latest short or deviating checks"),
    "latest_deviations": (
        "Chênh lệch gần đây (tham khảo, không phải bằng chứng)",
        "Latest deviations (reference only, not evidence)",
    ),
    # Labels of codes (statuses, kinds ...): from the one table in labels.py.
    **prefixed_words(PREFIXED),
}


def lang_of(request: Request) -> str:
    """Return the page language: ?lang= first, then the cookie, else Vietnamese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else "vi"


def words(lang: str) -> dict[str, str]:
    """Return every word in one language."""
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in WORDS.items()}
