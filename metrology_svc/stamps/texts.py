"""What the verify page and its JSON twin say, Vietnamese first, English second."""

from metrology_svc.stamps.rules import State

# state → (headline vi, headline en, advice vi, advice en)
STATES: dict[State, tuple[str, str, str, str]] = {
    State.VALID: (
        "Tem còn hiệu lực",
        "Valid stamp",
        "So sánh thông tin dưới đây với phương tiện đo trước mặt bạn.",
        "Compare the details below with the instrument in front of you.",
    ),
    State.EXPIRING: (
        "Tem sắp hết hiệu lực",
        "Stamp expiring soon",
        "Phương tiện đo cần được kiểm định lại trước ngày hết hạn.",
        "The instrument must be re-verified before the expiry date.",
    ),
    State.EXPIRED: (
        "Tem đã hết hiệu lực",
        "Stamp expired",
        "Phương tiện đo đã quá hạn kiểm định, không được dùng trong mua bán.",
        "The instrument is past its verification date and may not be used in trade.",
    ),
    State.REVOKED: (
        "Tem đã bị thu hồi",
        "Stamp revoked",
        "Tem này không còn giá trị. Hãy báo cho cơ quan quản lý đo lường.",
        "This stamp is no longer valid. Please tell the metrology office.",
    ),
    State.SUSPENDED: (
        "Phương tiện đo đang bị đình chỉ",
        "Instrument suspended",
        "Phương tiện đo không được dùng trong mua bán cho đến khi kiểm định lại.",
        "The instrument may not be used in trade until it is verified again.",
    ),
    State.FORGED: (
        "CẢNH BÁO: tem giả",
        "WARNING: forged stamp",
        "Mã này không do cơ quan kiểm định cấp. Hãy báo cho cơ quan quản lý đo lường.",
        "This code was not issued by the verification office. Please report it.",
    ),
    State.UNKNOWN: (
        "Không tìm thấy tem",
        "Stamp not found",
        "Mã đúng định dạng nhưng không có trong sổ đăng ký. Hãy báo cho cơ quan quản lý.",
        "The code is well-formed but no such stamp was issued. Please report it.",
    ),
    State.MALFORMED: (
        "Mã không hợp lệ",
        "Invalid code",
        "Đây không phải mã tem kiểm định. Hãy quét lại mã QR trên tem.",
        "This is not a stamp code. Please scan the QR code on the stamp again.",
    ),
}

# reason code → (vi, en): revocation reasons and the instrument statuses that suspend a stamp.
REASONS: dict[str, tuple[str, str]] = {
    "failed_inspection": ("Không đạt khi kiểm tra", "Failed an inspection"),
    "broken_seal": ("Niêm phong (kẹp chì) bị hỏng", "Broken seal"),
    "lost_or_stolen": ("Tem bị mất hoặc bị lấy cắp", "Stamp lost or stolen"),
    "instrument_retired": ("Phương tiện đo ngừng sử dụng", "Instrument retired"),
    "standard_out_of_tolerance": (
        "Chuẩn dùng khi kiểm định bị phát hiện sai lệch",
        "A reference standard used in the verification was found out of tolerance",
    ),
    "superseded": ("Đã được thay bằng tem mới", "Replaced by a newer stamp"),
    "suspended": ("Phương tiện đo bị đình chỉ sử dụng", "Instrument suspended from use"),
    "failed": ("Phương tiện đo không đạt khi kiểm định lại", "Instrument failed re-verification"),
    "retired": ("Phương tiện đo đã ngừng sử dụng", "Instrument retired"),
    "not_to_be_used": (
        "Phương tiện đo không được sử dụng cho đến khi được kiểm định",
        "Instrument not to be used until it is verified",
    ),
}

RATE_LIMITED = (
    "Bạn kiểm tra quá nhiều lần. Vui lòng thử lại sau ít phút.",
    "Too many checks. Please try again in a few minutes.",
)


def reason_text(code: str | None) -> tuple[str, str] | None:
    """Return the Vietnamese and English text of a reason code."""
    if code is None:
        return None
    return REASONS.get(code, (code, code))
