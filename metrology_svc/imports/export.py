"""Export a filtered instrument list to CSV or XLSX, with the headers the importer reads.

Owners' national IDs (CCCD/CMND) are never exported, whoever exports: they are personal data
and an exported list travels (e-mail, USB sticks). A list read back without them changes
nothing: an import matches the owners by tax code or phone and name and never erases a field.
"""

import csv
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from sqlmodel import Session

from metrology_svc.core.cells import csv_cell, csv_row, xlsx_row
from metrology_svc.core.quantities import Convention, format_quantity
from metrology_svc.imports.cells import LABELS_VI
from metrology_svc.imports.columns import COLUMNS, headers
from metrology_svc.imports.repository import ImportRepository
from metrology_svc.instruments.models import Instrument
from metrology_svc.instruments.repository import InstrumentFilter
from metrology_svc.owners.models import Owner
from metrology_svc.sites.models import Site
from metrology_svc.units.models import AdminUnit

Format = Literal["csv", "xlsx"]
Lang = Literal["vi", "en"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _record(inst: Instrument, owner: Owner, site: Site, unit: AdminUnit) -> dict[str, Any]:
    return {
        **inst.model_dump(include={c.key for c in COLUMNS}),
        "owner_name": owner.name,
        "owner_trade_name": owner.trade_name,
        "owner_tax_code": owner.tax_code,
        "owner_phone": owner.phone,
        "owner_email": owner.email,
        "owner_language": str(owner.language),
        "owner_kind": str(owner.kind),
        "site_name": site.name,
        "site_kind": str(site.kind),
        # A unit no longer in force keeps its list's name, so a re-import reads it as old.
        "unit_code": unit.code if unit.valid_to is None else f"{unit.scheme}:{unit.code}",
        "site_address": site.address,
        "role": str(inst.role),
    }


def export_records(session: Session, flt: InstrumentFilter, *, lang: Lang) -> Iterator[list[Any]]:
    """Yield one list of cell values per matching instrument, in column order."""
    repo = ImportRepository(session)
    names = {code: (vi if lang == "vi" else en) for code, vi, en in repo.types()}
    labels: dict[str, str] = LABELS_VI if lang == "vi" else {}
    for inst, owner, site, unit in repo.export_rows(flt):
        record = _record(inst, owner, site, unit)
        record["type"] = names.get(inst.type_code, inst.type_code)
        for key in ("role", "owner_kind", "site_kind"):
            record[key] = labels.get(record[key], record[key])
        yield [record.get(c.key) for c in COLUMNS]


def _csv_text(value: Any, lang: Lang) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Decimals the way the language writes them (1,5 / 1.5), so the import reads them back.
        way = Convention.VI if lang == "vi" else Convention.EN
        return format_quantity(Decimal(format(value, ".15g")), None, convention=way)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
    return str(value)


def write_csv(path: Path, records: Iterator[list[Any]], *, lang: Lang) -> int:
    """Write a UTF-8 CSV with a BOM (so Excel shows the diacritics); return the row count.

    A cell that a spreadsheet would run as a formula gets a quote in front (core.cells); the
    importer takes it off again.
    """
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(csv_row(headers(lang)))
        for record in records:
            out.writerow([csv_cell(_csv_text(v, lang)) for v in record])
            count += 1
    return count


def write_xlsx(path: Path, records: Iterator[list[Any]], *, lang: Lang) -> int:
    """Write a one-sheet XLSX workbook (streaming, text as string cells); return the row count."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Phương tiện đo" if lang == "vi" else "Instruments")
    sheet.append(xlsx_row(sheet, headers(lang)))
    count = 0
    for record in records:
        sheet.append(xlsx_row(sheet, record))
        count += 1
    book.save(path)
    return count


def export_instruments(
    session: Session, flt: InstrumentFilter, path: Path, *, fmt: Format, lang: Lang
) -> int:
    """Write the filtered instruments to a CSV or XLSX file; return how many were written."""
    records = export_records(session, flt, lang=lang)
    if fmt == "xlsx":
        return write_xlsx(path, records, lang=lang)
    return write_csv(path, records, lang=lang)
