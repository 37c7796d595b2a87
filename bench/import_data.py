"""The benchmark's instrument list: realistic rows, written as CSV, as Excel saves an XLSX, and
as openpyxl writes one (`bench.import` uses it)."""

import csv
import random
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from metrology_svc.imports.columns import COLUMNS, headers

TODAY = date(2026, 11, 23)
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Thị", "Văn", "Đức", "Minh", "Thu", "Ngọc", "Hữu", "Thanh", "Quang", "Kim"]
GIVEN = [
    "Hoa",
    "Lan",
    "Hùng",
    "Dũng",
    "Mai",
    "Tuấn",
    "Hương",
    "Bình",
    "Cúc",
    "Sơn",
    "Hải",
    "Yến",
    "Phúc",
    "Thảo",
    "Long",
    "Nga",
]
SCALES = [
    ("Cân đồng hồ lò xo", "Nhơn Hòa", "NHS-", 15000, 50),
    ("Cân đĩa", "Nhơn Hòa", "CĐ-", 5000, 5),
]
SCALES += [("Cân bàn", "Vinacan", "CB-", 150000, 100), ("Cân kỹ thuật", "Ohaus", "OH-", 3000, 1)]
# Twenty communes of Hà Tĩnh (42) in the 2025 list, which `db upgrade` loads.
COMMUNES = [
    "18073",
    "18100",
    "18115",
    "18118",
    "18133",
    "18160",
    "18163",
    "18172",
    "18184",
    "18196",
    "18199",
    "18202",
    "18223",
    "18229",
    "18244",
    "18262",
    "18277",
    "18304",
    "18313",
    "18322",
]


def _owner(rng: random.Random, n: int) -> list[str]:
    name = f"{FAMILY[n % 16]} {MIDDLE[(n // 16) % 10]} {GIVEN[(n // 160) % 16]}"
    phone = f"09{n:08d}"
    tax = f"{3000000000 + n}" if n % 50 == 0 else ""
    return [name, f"Sạp {GIVEN[n % 16]} {n}" if rng.random() < 0.5 else "", tax, phone]


def rows(count: int) -> Iterator[list[Any]]:
    """Yield list rows in header order: 9 in 10 scales at markets, 1 in 10 fuel dispensers."""
    rng = random.Random(7)
    for i in range(count):
        commune = COMMUNES[i % 20]
        owner = _owner(rng, rng.randrange(max(count // 3, 1)))
        due = TODAY + timedelta(days=rng.randint(-90, 700))
        last = due - timedelta(days=730)
        if i % 10 == 9:
            kind, site = "cửa hàng xăng dầu", f"Cửa hàng xăng dầu số {i % 200}"
            inst = ["Cột đo xăng dầu", f"TK-{i:07d}", "Tatsuno", "Sunny", "", "0.5", "2022"]
            nums = ["", "", "", "5", "50", "2", "2"]
        else:
            kind, site = "chợ", f"Chợ {commune}-{i % 10}"
            type_name, maker, prefix, max_g, e_g = SCALES[i % 4]
            inst = [
                type_name,
                f"{prefix}{i:07d}",
                maker,
                f"{prefix}{max_g // 1000}",
                "",
                "",
                "2021",
            ]
            nums = [str(max_g), str(e_g), str(e_g), "", "", "", ""]
        yield [
            *inst, *nums, f"KC-{i:06d}", "kinh doanh",
            owner[0], owner[1], owner[2], owner[3], "", "vi", "hộ kinh doanh",
            site, kind, commune, f"Thôn {i % 7}, xã {commune}",
            last.strftime("%d/%m/%Y"), due.strftime("%d/%m/%Y"), "đạt",
        ]  # fmt: skip


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
EXCEL_PARTS = {
    "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook {NS} xmlns:r="{REL}"><sheets><sheet name="Phương tiện đo" '
    'sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
    "xl/styles.xml": f'<styleSheet {NS}><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '</font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>",
}
NUMBERS = {"max_g", "e_g", "d_g", "qmin_lpm", "qmax_lpm", "nozzles", "mmq_l", "manufactured_year"}
DATES = {"last_verified_on", "due_date"}


def _cell(ref: str, key: str, value: str, strings: dict[str, int]) -> str:
    if key in NUMBERS:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if key in DATES:  # a date serial with a date style, as Excel stores dates
        day, month, year = (int(p) for p in value.split("/"))
        return f'<c r="{ref}" s="1"><v>{(date(year, month, day) - date(1899, 12, 30)).days}</v></c>'
    index = strings.setdefault(value, len(strings))
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def write_excel_like(path: Path, count: int) -> None:
    """Write the list the way Excel saves a workbook: shared strings, a dimension, date cells."""
    letters = [get_column_letter(i + 1) for i in range(len(COLUMNS))]
    strings: dict[str, int] = {}
    lines = [f'<worksheet {NS}><dimension ref="A1:{letters[-1]}{count + 1}"/><sheetData>']
    header = "".join(
        _cell(f"{c}1", "", h, strings) for c, h in zip(letters, headers("vi"), strict=True)
    )
    lines.append(f'<row r="1">{header}</row>')
    for n, row in enumerate(rows(count), start=2):
        cells = (
            _cell(f"{c}{n}", col.key, str(v), strings)
            for c, col, v in zip(letters, COLUMNS, row, strict=True)
            if v != ""
        )
        lines.append(f'<row r="{n}">{"".join(cells)}</row>')
    lines.append("</sheetData></worksheet>")
    shared = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in EXCEL_PARTS.items():
            book.writestr(name, xml)
        book.writestr("xl/worksheets/sheet1.xml", "".join(lines))
        book.writestr("xl/sharedStrings.xml", f'<sst {NS} count="{len(strings)}">{shared}</sst>')


def write_files(folder: Path, count: int) -> tuple[Path, Path, Path]:
    """Write the list as CSV (UTF-8, BOM), as Excel saves XLSX, and as openpyxl writes it."""
    csv_path, xlsx_path, pyxl_path = (folder / f"list.{e}" for e in ("csv", "xlsx", "pyxl.xlsx"))
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(headers("vi"))
        out.writerows(rows(count))
    write_excel_like(xlsx_path, count)
    # openpyxl writes every text cell inline (no shared strings), which is slower to read back.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Phương tiện đo")
    sheet.append(headers("vi"))
    for row in rows(count):
        sheet.append(row)
    book.save(pyxl_path)
    return csv_path, xlsx_path, pyxl_path
