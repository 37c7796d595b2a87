"""What the report says about the file itself: format, encoding, sheet, hidden sheets, legacy text.

Warnings in both languages, through the report's warnings list (row: the header row).
"""

from metrology_svc.imports.readers import Table
from metrology_svc.imports.schemas import ImportReport, RowErrorPublic

KIND_NAMES = {"tcvn3": "TCVN3 (ABC, .VnTime)", "vni": "VNI (VNI-Times)"}


def start(report: ImportReport, table: Table) -> None:
    """Name the format, the encoding and the sheet; warn about hidden sheets."""
    source = table.source
    report.file_format = source.format  # type: ignore[assignment]  # one of the four
    report.encoding, report.sheet = source.encoding, source.sheet
    report.hidden_sheets = list(source.hidden_sheets)
    unread = [name for name in source.hidden_sheets if name != source.sheet]
    if unread:
        names = ", ".join(unread)
        report.warn(
            [
                RowErrorPublic(
                    row=table.header_row,
                    column="",
                    reason_vi=f"Bảng tính có trang ẩn không được đọc: {names}; đã đọc trang "
                    f'"{source.sheet}". Muốn nhập trang ẩn: chọn trang (--sheet TÊN|SỐ)',
                    reason_en=f"The workbook has hidden sheets that were not read: {names}; "
                    f'the sheet "{source.sheet}" was read. To import a hidden sheet, choose it '
                    "(--sheet NAME|N)",
                    value=names,
                )
            ]
        )


def finish(report: ImportReport, table: Table) -> None:
    """Say how many cells typed in old Vietnamese fonts were converted to Unicode."""
    _legacy(report, table)
    for en, vi in table.source.notices:  # the reader's own: an .xls's fonts unreadable
        report.warn(
            [RowErrorPublic(row=table.header_row, column="", reason_vi=vi, reason_en=en, value="")]
        )


def _legacy(report: ImportReport, table: Table) -> None:
    source = table.source
    report.converted_from = sorted(source.converted_from)  # type: ignore[arg-type]
    report.converted_cells = source.converted
    if source.encoding in KIND_NAMES:
        kinds = KIND_NAMES[source.encoding]
        vi = f"Tệp CSV dùng bảng mã cũ {kinds}: mọi ô đã được chuyển sang Unicode"
        en = f"The CSV is in the old {kinds} encoding: every cell was converted to Unicode"
    elif source.converted:
        kinds = ", ".join(KIND_NAMES[k] for k in source.converted_from)
        vi = f"{source.converted} ô gõ bằng phông chữ cũ {kinds} đã được chuyển sang Unicode"
        en = f"{source.converted} cells typed in old {kinds} fonts were converted to Unicode"
    else:
        return
    report.warn(
        [RowErrorPublic(row=table.header_row, column="", reason_vi=vi, reason_en=en, value="")]
    )
