"""Words of the office page of an inspection's procedure (Vietnamese first, English one tap away).

Check kinds and verdicts come from the measurement_checks package's own (vi, en) pairs (through
web/labels.py), so the page says what the minutes and the API say.
"""

from metrology_svc.web.labels import PREFIXED_OFFICE, prefixed_words

WORDS: dict[str, tuple[str, str]] = {
    "po_title": ("Thủ tục kiểm tra", "Inspection procedure"),
    "po_field_page": ("Trang kiểm tra tại hiện trường", "Field page"),
    "po_unit": ("Đơn vị hành chính", "Administrative unit"),
    "po_read_only": (
        "Bạn chỉ được xem trang này, không được sửa.",
        "You may read this page but not change it.",
    ),
    "po_closed": (
        "Cuộc kiểm tra đã kết thúc: quyết định, đoàn kiểm tra và kết quả không sửa được nữa.",
        "The inspection is closed: its decision, team and findings can no longer change.",
    ),
    "po_general_error": ("Chưa lưu được:", "Not saved:"),
    "po_saved_decision": ("Đã lưu quyết định kiểm tra.", "The decision is saved."),
    "po_saved_team": ("Đã lưu đoàn kiểm tra.", "The team is saved."),
    "po_saved_close": ("Đã kết thúc cuộc kiểm tra.", "The inspection is closed."),
    # 1. The decision (quyết định kiểm tra) and the party inspected.
    "po_decision": ("1. Quyết định kiểm tra", "1. Inspection decision"),
    "po_no_decision": ("Chưa có quyết định kiểm tra.", "No decision recorded yet."),
    "po_number": ("Số quyết định", "Decision number"),
    "po_number_hint": (
        "Số quyết định lấy từ sổ đăng ký văn bản khi lưu lần đầu; sửa quyết định giữ nguyên số.",
        "The number comes from the document register on the first save; corrections keep it.",
    ),
    "decided_on": ("Ngày ra quyết định", "Decision date"),
    "issuer_level": ("Cơ quan ban hành", "Issued by"),
    "issuing_body": ("Cơ quan ban hành", "Issuing body"),
    "po_bases": ("Căn cứ pháp lý", "Legal bases"),
    "legal_bases": ("Căn cứ pháp lý (mỗi dòng một căn cứ)", "Legal bases (one per line)"),
    "legal_bases_hint": (
        "Để trống: Luật Đo lường 04/2011/QH13 và Thông tư 28/2013/TT-BKHCN.",
        "Left empty: Law on Metrology 04/2011/QH13 and Circular 28/2013/TT-BKHCN.",
    ),
    "signer_position": ("Chức vụ người ký quyết định", "Signer's position"),
    "signer_name": ("Họ tên người ký quyết định", "Signer's name"),
    "party_kind": ("Bên được kiểm tra là", "The party inspected is"),
    "owner_id": ("Chủ phương tiện đo", "Owner"),
    "po_no_owner": (
        "Chưa có chủ phương tiện đo nào có phương tiện tại địa điểm này.",
        "No owner has an instrument at this site.",
    ),
    "organisation_name": ("Tên tổ chức được kiểm tra", "Organisation inspected"),
    "party_name": ("Bên được kiểm tra", "Party inspected"),
    "party_address": ("Địa chỉ bên được kiểm tra", "Party's address"),
    "representative_name": ("Người đại diện", "Representative"),
    "representative_position": ("Chức vụ người đại diện", "Representative's position"),
    "inspect_from": ("Kiểm tra từ ngày", "Inspection from"),
    "inspect_to": ("Đến ngày", "Until"),
    "po_period": ("Thời gian kiểm tra", "Inspection period"),
    "place": ("Địa điểm kiểm tra", "Place of inspection"),
    "po_save_decision": ("Lưu quyết định", "Save decision"),
    # 2. The team (đoàn kiểm tra).
    "po_team": ("2. Đoàn kiểm tra", "2. Inspection team"),
    "po_no_team": ("Chưa có đoàn kiểm tra.", "No team recorded yet."),
    "po_team_hint": (
        "Đúng một trưởng đoàn, có số thẻ kiểm tra viên đo lường; thành viên phối hợp ghi cơ "
        "quan phối hợp. Dòng để trống được bỏ qua; lưu sẽ thay cả đoàn đã lưu.",
        "Exactly one leader, with the number of the state-inspection certificate; a "
        "cooperating member names the agency. Empty rows are skipped; saving replaces the "
        "whole team.",
    ),
    "po_member": ("Thành viên", "Member"),
    "role": ("Vai trò", "Role"),
    "name": ("Họ và tên", "Full name"),
    "title": ("Chức vụ", "Position"),
    "agency": ("Đơn vị công tác / cơ quan phối hợp", "Agency"),
    "certificate_no": ("Số thẻ kiểm tra viên đo lường", "Inspector certificate no."),
    "po_save_team": ("Lưu đoàn kiểm tra", "Save team"),
    # 3. What was recorded.
    "po_findings": ("3. Kết quả kiểm tra phương tiện đo", "3. Findings on instruments"),
    "po_instrument": ("Phương tiện đo", "Instrument"),
    "po_status_change": ("Trạng thái", "Status"),
    "po_unchanged": ("không đổi", "unchanged"),
    "po_when": ("Thời điểm", "When"),
    "po_goods": ("Hàng hóa", "Goods"),
    "po_stamps_revoked": ("Tem bị thu hồi", "Stamps revoked"),
    "po_measures": ("Biện pháp xử lý", "Measures taken"),
    "mk_sealing": ("Niêm phong", "Sealing"),
    "mk_suspension": ("Tạm dừng sử dụng", "Suspension from use"),
    "mk_verification_request": ("Yêu cầu kiểm định", "Verification request"),
    "mk_violation_proposal": (
        "Đề nghị lập biên bản vi phạm hành chính",
        "Administrative violation record proposed",
    ),
    "po_seal_numbers": ("Số niêm phong", "Seal numbers"),
    "po_deadline": ("Thời hạn", "Deadline"),
    "po_after_repair": ("Kiểm định sau sửa chữa", "Verification after repair"),
    "po_from_finding": ("Đề xuất từ kết quả số", "Proposed by finding no."),
    "po_checks": ("Kiểm tra phép đo", "Measurement checks"),
    "po_declared": ("Công bố", "Declared"),
    "po_measured": ("Đo lại", "Measured"),
    "po_shortfall": ("Lượng thiếu", "Shortfall"),
    "po_permitted": ("Giới hạn cho phép", "Permitted"),
    "po_scale": ("Cân (Max / độ chia)", "Scale (Max / interval)"),
    "po_allowed_interval": ("Độ chia cho phép", "Interval allowed"),
    "po_rule": ("Quy định đã áp dụng", "Rule applied"),
    "po_scale_rule": ("Quy định về cân", "Rule on the scale"),
    "po_no_rule": ("Không có quy định áp dụng", "No rule applied"),
    "po_binding": ("ràng buộc", "binding"),
    "po_reference": ("chỉ tham khảo", "reference only"),
    "po_in_force": ("hiệu lực từ", "in force from"),
    "po_reason": ("Lý do", "Reason"),
    "po_violation": ("Đề nghị lập biên bản vi phạm", "Violation record proposed"),
    # 4. Closing (kết thúc).
    "po_close": ("4. Kết thúc kiểm tra", "4. Close the inspection"),
    "po_missing": ("Chưa thể kết thúc, còn thiếu:", "It cannot be closed yet; missing:"),
    "po_missing_decision": ("quyết định kiểm tra (mục 1)", "the inspection decision (part 1)"),
    "po_missing_leader": ("trưởng đoàn (mục 2)", "a team leader (part 2)"),
    "po_ready": (
        "Đã có quyết định và trưởng đoàn. Sau khi kết thúc, không ghi thêm kết quả và không sửa "
        "quyết định, đoàn kiểm tra được nữa.",
        "The decision and the leader are recorded. Once closed, no finding can be added and the "
        "decision and team can no longer change.",
    ),
    "party_signature": ("Đại diện bên được kiểm tra", "The party's representative"),
    "ps_none": ("Chưa ghi nhận", "Not recorded"),
    "refusal_note": (
        "Ghi rõ việc từ chối ký (bắt buộc khi từ chối)",
        "How the representative refused (needed if refused)",
    ),
    "po_refusal": ("Việc từ chối ký", "The refusal"),
    "conclusion": ("Kết luận của đoàn kiểm tra", "The team's conclusion"),
    "po_conclusion_hint": (
        "Để trống: biên bản ghi “Như kết quả kiểm tra nêu trên.”",
        "Left empty, the minutes say “As the results above.”",
    ),
    "po_close_button": ("Kết thúc kiểm tra", "Close the inspection"),
    "po_closed_at": ("Kết thúc lúc", "Closed at"),
    # 5. The papers.
    "po_papers": ("5. Biên bản và thông báo kết quả", "5. Minutes and result notice"),
    "po_minutes": ("Biên bản kiểm tra (PDF)", "Inspection minutes (PDF)"),
    "po_notice": ("Thông báo kết quả kiểm tra (PDF)", "Result notice (PDF)"),
    "po_papers_later": (
        "Biên bản và thông báo kết quả được in sau khi kết thúc cuộc kiểm tra; số văn bản lấy từ "
        "sổ đăng ký khi in lần đầu.",
        "The minutes and the result notice print once the inspection is closed; their numbers "
        "come from the register on the first printing.",
    ),
    # Member roles, party kinds and signatures, issuer levels, check kinds and verdicts: from
    # the one table of labels (labels.py).
    **prefixed_words(PREFIXED_OFFICE),
}


def words(lang: str) -> dict[str, str]:
    """Return the words in one language (Vietnamese unless it is English)."""
    n = 1 if lang == "en" else 0
    return {k: v[n] for k, v in WORDS.items()}
