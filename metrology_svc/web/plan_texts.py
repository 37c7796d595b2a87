"""Words of the inspection plan pages (Vietnamese first, English one tap away)."""

# key: (Vietnamese, English)
WORDS: dict[str, tuple[str, str]] = {
    "pl_nav": ("Kế hoạch kiểm tra", "Inspection plans"),
    "pl_title": ("Kế hoạch kiểm tra nhà nước về đo lường", "State metrology inspection plans"),
    "pl_list": ("Danh sách kế hoạch", "Plans"),
    "pl_none": ("Chưa có kế hoạch nào.", "No plan yet."),
    "pl_year": ("Năm", "Year"),
    "pl_all_years": ("Mọi năm", "Any year"),
    "pl_filter": ("Lọc", "Filter"),
    "pl_number": ("Số", "Number"),
    "pl_no_number": ("Chưa có số", "Not numbered"),
    "pl_subject": ("Trích yếu", "Subject"),
    "pl_subject_hint": (
        "Để trống: “Kiểm tra nhà nước về đo lường năm …” theo thời gian của kế hoạch.",
        "Empty: “Kiểm tra nhà nước về đo lường năm …” after the plan's period.",
    ),
    "pl_state": ("Trạng thái", "Status"),
    "pl_issuer": ("Đơn vị ban hành", "Issuing unit"),
    "pl_issuer_body": ("Cơ quan ban hành", "Issuing body"),
    "pl_period": ("Thời gian", "Period"),
    "pl_period_from": ("Từ ngày", "From"),
    "pl_period_to": ("Đến ngày", "To"),
    "pl_period_hint": (
        "Để trống: cả năm (01/01 – 31/12); tối đa 5 năm, bắt đầu trong năm của kế hoạch.",
        "Empty: the whole year (1 Jan – 31 Dec); at most 5 years, beginning in the plan's year.",
    ),
    "pl_scope": ("Phạm vi", "Scope"),
    "pl_units": ("Địa bàn", "Units covered"),
    "pl_units_hint": (
        "Chọn tỉnh để kiểm tra trên toàn tỉnh, hoặc chọn từng xã, phường, đặc khu.",
        "Choose the province for the whole province, or single communes.",
    ),
    "pl_kinds": ("Loại địa điểm", "Kinds of site"),
    "pl_purpose": ("I. Mục đích, yêu cầu", "I. Purpose and requirements"),
    "pl_content": ("II. Nội dung", "II. Content"),
    "pl_resources": ("III. Tổ chức thực hiện", "III. Organisation and resources"),
    "pl_resources_hint": (
        "Người thực hiện, kinh phí, phương tiện, chuẩn đo lường.",
        "People, budget, equipment, measurement standards.",
    ),
    "pl_targets": ("Đối tượng kiểm tra", "Targets"),
    "pl_progress": ("Đã kiểm tra", "Inspected"),
    "pl_of": ("trên", "of"),
    "pl_no_targets": ("Chưa có đối tượng kiểm tra.", "No target yet."),
    "pl_new": ("Lập dự thảo kế hoạch", "Draft a new plan"),
    "pl_create": ("Lưu dự thảo", "Save the draft"),
    "pl_created": ("Đã lưu dự thảo kế hoạch.", "The draft plan is saved."),
    "pl_pdf": ("In kế hoạch (PDF)", "Print the plan (PDF)"),
    "pl_back": ("Tất cả kế hoạch", "All plans"),
    "pl_approval": ("Phê duyệt", "Approval"),
    "pl_approved_on": ("Ngày phê duyệt", "Approved on"),
    "pl_signer": ("Người ký", "Signer"),
    "pl_signer_authority": ("Thẩm quyền ký", "Signing authority"),
    "pl_signer_position": ("Chức vụ", "Position"),
    "pl_signer_name": ("Họ và tên người ký", "Signer's name"),
    "pl_signer_hint": (
        "Để trống thẩm quyền và chức vụ: theo cấu hình của cơ quan (ví dụ KT. GIÁM ĐỐC / "
        "PHÓ GIÁM ĐỐC).",
        "Leave authority and position empty for the office's own (e.g. KT. GIÁM ĐỐC / "
        "PHÓ GIÁM ĐỐC).",
    ),
    "pl_approve": ("Phê duyệt và cấp số", "Approve and number"),
    "pl_approve_note": (
        "Khi phê duyệt, kế hoạch được cấp số theo sổ văn bản (KH) và không sửa được nữa.",
        "On approval the plan takes its number from the register (KH) and can no longer change.",
    ),
    "pl_approved_msg": ("Đã phê duyệt kế hoạch.", "The plan is approved."),
    "pl_frozen": (
        "Kế hoạch đã được phê duyệt nên không sửa được.",
        "The plan is approved and can no longer change.",
    ),
    "pl_add": ("Thêm đối tượng kiểm tra", "Add targets"),
    "pl_sites": ("Địa điểm (trong phạm vi kế hoạch)", "Sites (within the plan's scope)"),
    "pl_no_sites": (
        "Không có địa điểm nào thuộc địa bàn và loại địa điểm của kế hoạch.",
        "No site lies in the plan's units with a kind it covers.",
    ),
    "pl_planned": ("đã có trong kế hoạch", "already planned"),
    "pl_month": ("Tháng", "Month"),
    "pl_or_window": ("hoặc khoảng ngày", "or a window of dates"),
    "pl_window_from": ("Từ ngày", "From"),
    "pl_window_to": ("Đến ngày", "To"),
    "pl_note": ("Ghi chú", "Note"),
    "pl_added": ("Đã thêm đối tượng kiểm tra.", "Targets added."),
    "pl_remove": ("Bỏ khỏi kế hoạch", "Remove"),
    "pl_removed": ("Đã bỏ đối tượng khỏi kế hoạch.", "The target is removed."),
    "pl_site": ("Địa điểm", "Site"),
    "pl_when": ("Thời gian kiểm tra", "When"),
    "pl_inspection": ("Cuộc kiểm tra", "Inspection"),
    "pl_not_opened": ("Chưa mở cuộc kiểm tra", "No inspection yet"),
    "pl_open": ("Mở cuộc kiểm tra", "Open the inspection"),
    "pl_inspector": ("Trưởng đoàn", "Team leader"),
    "pl_inspected_on": ("Ngày kiểm tra", "Inspection date"),
    "pl_open_hint": (
        "Mở từ kế hoạch đã phê duyệt; mỗi đối tượng chỉ mở một cuộc kiểm tra.",
        "Opened from an approved plan; each target opens one inspection.",
    ),
    "pl_created_at": ("Ngày lập", "Created"),
    "sk_market": ("Chợ", "Market"),
    "sk_fuel_station": ("Cửa hàng xăng dầu", "Fuel station"),
    "sk_gold_shop": ("Cửa hàng vàng bạc", "Gold shop"),
    "sk_other": ("Khác", "Other"),
    "ul_province": ("tỉnh", "province"),
    "ul_commune": ("xã", "commune"),
    "ul_district": ("huyện", "district"),
    # The targets' model validator speaks English only; the page says it in both languages.
    "pl_e_month_or_window": (
        "Chọn tháng, hoặc nhập cả từ ngày và đến ngày.",
        "Choose a month, or give both dates.",
    ),
    "pl_e_not_both": (
        "Chọn tháng hoặc khoảng ngày, không chọn cả hai.",
        "Choose a month or a window of dates, not both.",
    ),
}

# The English text of a schema's own check → the key of its words here.
VALUE_ERRORS: dict[str, str] = {
    "give month, or window_from and window_to": "pl_e_month_or_window",
    "give month or a window of dates, not both": "pl_e_not_both",
}


def words(lang: str) -> dict[str, str]:
    """Return the plan pages' words in one language (Vietnamese unless it is English)."""
    n = 1 if lang == "en" else 0
    return {k: v[n] for k, v in WORDS.items()}
