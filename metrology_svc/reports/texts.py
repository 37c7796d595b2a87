"""Words and rows of the yearly report, shared by the XLSX and PDF exports (Vietnamese)."""

from typing import Any

from metrology_svc.core.issuer import document_date
from metrology_svc.reports.schemas import YearlyReport

NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
SUMMARY_TITLE = "Số liệu chủ yếu"
SECTION_TITLES = (
    "I. KẾT QUẢ KIỂM ĐỊNH PHƯƠNG TIỆN ĐO NHÓM 2",
    "II. PHƯƠNG TIỆN ĐO ĐẾN HẠN, QUÁ HẠN KIỂM ĐỊNH",
    "III. HOẠT ĐỘNG CÂN ĐỐI CHỨNG TẠI CÁC CHỢ",
    "IV. KIỂM TRA NHÀ NƯỚC VỀ ĐO LƯỜNG",
    "V. TEM KIỂM ĐỊNH",
)
TYPE_TITLE = "1. Theo loại phương tiện đo"
KIND_TITLE = "2. Theo hình thức kiểm định"
TYPE_HEADER = (
    "Loại phương tiện đo",
    "Mã loại",
    "Số lượt kiểm định",
    "Số phương tiện đo",
    "Đạt",
    "Không đạt",
    "Tỷ lệ đạt (%)",
)
KIND_HEADER = ("Hình thức kiểm định", "Số lượt", "Đạt", "Không đạt")
FINDING_HEADER = ("Kết quả kiểm tra", "Số trường hợp", "Số phương tiện đo")


def title(report: YearlyReport) -> str:
    """Return the report's title (a spreadsheet's; the PDF prints type and subject apart)."""
    return f"BÁO CÁO CÔNG TÁC QUẢN LÝ ĐO LƯỜNG {report.period.upper()}"


def subject(report: YearlyReport) -> str:
    """Return the subject under "BÁO CÁO": what the report is about and its period."""
    return f"Kết quả công tác quản lý nhà nước về đo lường {report.period}"


def office_lines(report: YearlyReport) -> list[str]:
    """Return the issuing body's heading lines (parent first), e.g. "UBND TỈNH HÀ TĨNH" over
    "SỞ KHOA HỌC VÀ CÔNG NGHỆ", or "ỦY BAN NHÂN DÂN" over "PHƯỜNG SÔNG TRÍ"."""
    return list(report.issuer.heading)


def number_line(report: YearlyReport) -> str:
    """Return the number line: "Số: 12/BC-SKHCN" once issued (from the register), else left
    for the clerk: "Số:      /BC-SKHCN"."""
    no = str(report.number) if report.number is not None else "     "
    return f"Số: {no}/BC-{report.issuer.symbol}"


def place_and_date(report: YearlyReport) -> str:
    """Return the place and date line, e.g. "Hà Tĩnh, ngày 05 tháng 01 năm 2027" (the day it
    was issued, so that a reprint shows the same date; else today)."""
    d = report.dated_on
    return document_date(report.issuer.place, d.year, d.month, d.day)


def scope_line(report: YearlyReport) -> str:
    """Return what the figures cover."""
    return (
        f"Báo cáo kết quả quản lý phương tiện đo nhóm 2 trên địa bàn {report.unit.name} "
        f"(mã {report.unit.code}) {report.period} (từ ngày {report.period_from:%d/%m/%Y} đến "
        f"ngày {report.period_to:%d/%m/%Y}); phương tiện đo đến hạn, quá hạn tính đến ngày "
        f"{report.as_of:%d/%m/%Y}."
    )


def note_lines(report: YearlyReport) -> list[str]:
    """Return the notes on what the figures cover (Vietnamese)."""
    return [f"Ghi chú: {n.vi}" for n in report.notes]


def recipients(report: YearlyReport) -> list[str]:
    """Return the "Nơi nhận" lines: the body the issuer reports to, and the archive."""
    return [f"- {report.issuer.reports_to};", "- Lưu: VT."]


def heading_lines(report: YearlyReport) -> list[str]:
    """Return the heading as lines (for a spreadsheet): office, nation, date, title, scope."""
    return [
        " – ".join(office_lines(report)),
        " – ".join(NATIONAL),
        place_and_date(report),
        title(report),
        scope_line(report),
        *note_lines(report),
    ]


def due_header(report: YearlyReport) -> tuple[str, ...]:
    """Return the header of the due table."""
    return (
        "Loại phương tiện đo",
        "Đang sử dụng",
        "Còn hạn",
        f"Đến hạn trong {report.due.due_soon_days} ngày",
        "Quá hạn",
        "Chưa kiểm định",
        "Không đạt",
        "Đình chỉ",
    )


def type_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the verifications by type, then the total."""
    return [
        [r.name_vi, r.type_code, r.verifications, r.instruments, r.passed, r.failed, r.pass_rate]
        for r in [*report.verified_by_type, report.verified_total]
    ]


def kind_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the verifications by kind."""
    return [[r.name_vi, r.verifications, r.passed, r.failed] for r in report.verifications_by_kind]


def due_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the instruments by due state and type, then the total."""
    return [
        [
            r.name_vi,
            r.instruments,
            r.in_service,
            r.due_soon,
            r.overdue,
            r.never_verified,
            r.failed,
            r.suspended,
        ]
        for r in [*report.due.by_type, report.due.total]
    ]


def control_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the control-scale figures."""
    c = report.control_scales
    return [
        ["Số chợ có trạm cân đối chứng", c.stations],
        ["Số cân đối chứng kết nối", c.devices],
        ["Số lượt người tiêu dùng cân lại", c.consumer_checks],
        ["Số lượt phát hiện cân thiếu", c.shortfalls],
        ["Tổng khối lượng thiếu (g)", c.missing_g],
        ["Số lượt chênh lệch theo bảng tham khảo (không phải bằng chứng)", c.indications],
        ["Số người bán bị nghi cân thiếu", c.suspect_sellers],
        ["Số đề nghị kiểm tra đột xuất", c.inspection_requests],
    ]


def inspection_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the inspection figures."""
    i = report.inspections
    return [
        ["Số cuộc kiểm tra", i.inspections],
        ["Số cuộc đã kết thúc", i.closed],
        ["Số địa điểm được kiểm tra", i.sites],
        ["Số trường hợp ghi nhận", i.findings],
    ]


def finding_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the findings by kind, then the total."""
    rows: list[list[Any]] = [
        [f.name_vi, f.findings, f.instruments] for f in report.inspections.by_kind
    ]
    rows.append(["Tổng cộng", report.inspections.findings, ""])
    return rows


SITE_HEADER = (
    "Loại cơ sở",
    "Số cuộc kiểm tra",
    "Số cơ sở",
    "Số trường hợp ghi nhận",
    "Số vi phạm",
)
SITE_FINDING_HEADER = ("Loại cơ sở", "Kết quả kiểm tra", "Số trường hợp", "Số phương tiện đo")


def site_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the inspections per kind of site (markets, fuel, gold, ...), then the total."""
    rows: list[list[Any]] = [
        [k.name_vi, k.inspections, k.sites, k.findings, k.violations]
        for k in report.inspections_by_site
    ]
    by = report.inspections_by_site
    rows.append(
        [
            "Tổng cộng",
            sum(k.inspections for k in by),
            sum(k.sites for k in by),
            sum(k.findings for k in by),
            sum(k.violations for k in by),
        ]
    )
    return rows


def site_finding_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the findings per kind of site and kind of finding."""
    return [
        [k.name_vi, f.name_vi, f.findings, f.instruments]
        for k in report.inspections_by_site
        for f in k.by_kind
    ]


CHECK_HEADER = (
    "Nội dung cân, đong lại",
    "Số lượt",
    "Thiếu vượt giới hạn",
    "Cân không phù hợp",
    "Đề nghị lập biên bản vi phạm",
)


def check_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the measurement checks made at inspections, per kind."""
    return [
        [c.name_vi, c.checks, c.short, c.unsuitable_scale, c.violations]
        for c in report.measurement_checks
    ]


def stamp_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the stamps issued and revoked, with the reasons."""
    s = report.stamps
    rows: list[list[Any]] = [["Tem kiểm định đã cấp", s.issued], ["Tem bị thu hồi", s.revoked]]
    rows += [[f"  – {r.name_vi}", r.stamps] for r in s.revoked_by_reason]
    return rows


def summary_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the key figures of the year."""
    t, d = report.verified_total, report.due.total
    return [
        ["Số lượt kiểm định", t.verifications],
        ["Số phương tiện đo được kiểm định", t.instruments],
        ["Đạt", t.passed],
        ["Không đạt", t.failed],
        ["Chưa đủ điểm kiểm (không cấp tem)", t.incomplete],
        ["Tỷ lệ đạt (%)", t.pass_rate],
        ["Ghi nhận theo danh sách nhập (không tính là lượt kiểm định)", t.recorded],
        [f"Quá hạn kiểm định (đến {report.as_of:%d/%m/%Y}, không kể không đạt)", d.overdue],
        ["Không đạt yêu cầu kiểm định (chưa kiểm định lại)", d.failed],
        [f"Đến hạn trong {report.due.due_soon_days} ngày", d.due_soon],
        ["Số chợ có trạm cân đối chứng", report.control_scales.stations],
        ["Số lượt người tiêu dùng cân lại", report.control_scales.consumer_checks],
        ["Số lượt phát hiện cân thiếu", report.control_scales.shortfalls],
        ["Số cuộc kiểm tra nhà nước", report.inspections.inspections],
        ["Số trường hợp ghi nhận khi kiểm tra", report.inspections.findings],
        ["Tem kiểm định đã cấp", report.stamps.issued],
        ["Tem bị thu hồi", report.stamps.revoked],
    ]


def text_rows(report: YearlyReport) -> list[list[Any]]:
    """Return the office's own texts (sections II and III) as rows."""
    t = report.texts
    return [
        ["II.1. Kết quả đạt được", t.achievements],
        ["II.2. Tồn tại, hạn chế và nguyên nhân", t.shortcomings],
        ["III.1. Nhiệm vụ, giải pháp", t.next_steps],
        ["III.2. Kiến nghị, đề xuất", t.proposals],
    ]
