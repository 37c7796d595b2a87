"""Words of the verification rounds page (lịch kiểm định): Vietnamese first, then English."""

from metrology_svc.web.texts import page_words

WORDS: dict[str, tuple[str, str]] = {
    "nav_rounds": ("Lịch kiểm định", "Verification rounds"),
    "rd_title": ("Lịch kiểm định phương tiện đo", "Verification rounds"),
    "rd_intro": (
        "Đề xuất lịch kiểm định cho một tỉnh hoặc xã, phường: phương tiện đo không đạt, quá hạn, "
        "không được sử dụng, đến hạn trong đợt và chưa kiểm định lần nào, địa điểm gấp hơn được "
        "xếp trước; mỗi ngày một kiểm định viên làm việc tại một xã, phường. Thứ Bảy, Chủ nhật, "
        "ngày lễ, Tết và ngày nghỉ của cơ quan không xếp lịch.",
        "A proposed round for a province or commune: failed, overdue, not-to-be-used, falling-due "
        "and never-verified instruments, the most urgent sites first; each inspector-day stays in "
        "one commune. Weekends, public holidays and the office's days off are skipped.",
    ),
    "rd_unit": ("Tỉnh, xã, phường", "Province or commune"),
    "rd_from": ("Từ ngày", "From"),
    "rd_to": ("Đến ngày", "To"),
    "rd_to_hint": ("Để trống: 30 ngày", "Empty: 30 days"),
    "rd_capacity": ("Phương tiện đo / người / ngày", "Instruments per inspector-day"),
    "rd_show": ("Lập lịch", "Plan the round"),
    "rd_plan": ("Lịch đề xuất", "Proposed round"),
    "rd_window": ("Thời gian", "Window"),
    "rd_sites": ("Địa điểm", "Sites"),
    "rd_instruments": ("Phương tiện đo", "Instruments"),
    "rd_inspectors": ("Kiểm định viên", "Inspectors"),
    "rd_planned": ("Đã xếp lịch", "Planned"),
    "rd_xlsx": ("Tải kế hoạch làm việc (XLSX)", "Download working plan (XLSX)"),
    "rd_pdf": ("Tải kế hoạch ban hành (PDF)", "Download the official plan (PDF)"),
    "rd_pdf_hint": (
        "Bản PDF là kế hoạch của cơ quan: lần in đầu tiên lấy số từ sổ văn bản (KH), in lại giữ "
        "nguyên số.",
        "The PDF is the office's plan: its first printing takes a number from the register "
        "(KH); a reprint keeps it.",
    ),
    "rd_skipped": ("Ngày không xếp lịch trong đợt", "Weekdays skipped in the window"),
    "rd_no_skipped": (
        "Không có ngày lễ, Tết hoặc ngày nghỉ của cơ quan trong đợt.",
        "No public holiday or office day off in the window.",
    ),
    "rd_holiday": ("Ngày lễ, Tết", "Public holiday"),
    "rd_office": ("Nghỉ của cơ quan", "Office day off"),
    "rd_days": ("Lịch theo ngày", "Day by day"),
    "rd_inspector": ("Kiểm định viên", "Inspector"),
    "rd_site": ("Địa điểm", "Site"),
    "rd_address": ("Địa chỉ", "Address"),
    "rd_serial": ("số", "no."),
    "rd_due": ("Hạn", "Due"),
    "rd_none": (
        "Không có phương tiện đo nào cần kiểm định trong đợt này.",
        "Nothing to verify in this window.",
    ),
    "rd_no_inspector": (
        "Chưa có kiểm định viên nào được phân công địa bàn này.",
        "No inspector is assigned to this area.",
    ),
    "rd_unplanned": ("Chưa xếp được lịch trong đợt", "Left for the next round"),
    "rd_left": ("phương tiện đo còn lại", "instruments left"),
    "rd_fix": ("Vui lòng sửa các ô được đánh dấu.", "Please correct the marked fields."),
    "rs_failed": ("Không đạt kiểm định", "Failed verification"),
    "rs_not_to_be_used": (
        "Không được sử dụng (phát hiện khi kiểm tra)",
        "Not to be used (found on inspection)",
    ),
    "rs_never": ("Chưa kiểm định lần nào", "Never verified"),
    "rs_overdue": ("Quá hạn {days} ngày", "Overdue by {days} days"),
    "rs_due": ("Đến hạn trong đợt", "Falls due in the window"),
    "off_title": ("Ngày nghỉ năm {year}", "Days off in {year}"),
    "off_intro": (
        "Ngày lễ, Tết theo lịch nhà nước được bỏ qua tự động. Ngày nghỉ của cơ quan (lễ hội địa "
        "phương, nghỉ bù) do quản trị viên khai báo: ngày nghỉ của tỉnh áp dụng cho mọi xã, "
        "phường; của một xã, phường chỉ áp dụng cho xã, phường đó.",
        "Public holidays come from the national calendar. The office's days off (a local "
        "festival, a day swapped) are declared by an administrator: one declared for the "
        "province closes every commune, one for a commune closes only that commune.",
    ),
    "off_none": ("Không có ngày nghỉ nào.", "No days off."),
    "off_add": ("Thêm ngày nghỉ của cơ quan", "Add an office day off"),
    "off_unit": ("Áp dụng cho", "Applies to"),
    "off_day": ("Ngày", "Date"),
    "off_reason": ("Lý do", "Reason"),
    "off_save": ("Thêm ngày nghỉ", "Add the day off"),
    "off_delete": ("Xóa", "Delete"),
    "off_added": ("Đã thêm ngày nghỉ.", "The day off was added."),
    "off_deleted": ("Đã xóa ngày nghỉ.", "The day off was deleted."),
    "off_admin_only": (
        "Chỉ quản trị viên được thêm hoặc xóa ngày nghỉ của cơ quan.",
        "Only an administrator adds or deletes the office's days off.",
    ),
}
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def words(lang: str) -> dict[str, str]:
    """Return the layout's and the rounds page's words in one language (Vietnamese unless
    English)."""
    n = 1 if lang == "en" else 0
    return page_words(lang) | {k: v[n] for k, v in WORDS.items()}
