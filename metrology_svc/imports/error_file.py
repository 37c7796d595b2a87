"""Every error of a checked list, written to a file as it is found (never held in memory).

The import's report lists the first rejected rows and counts the rest by reason; a clerk with
a list of 20,000 rows also needs each row's reason. An ErrorFile receives every rejected row's
errors while the list is checked and writes them as CSV rows (UTF-8 with a BOM, so Excel
opens it in Vietnamese; cells guarded against formulas by core.cells), so memory stays flat
however many rows are rejected, and the file is sent back as a stream.
"""

import csv
from typing import TextIO

from metrology_svc.core.cells import csv_row
from metrology_svc.imports.schemas import RowErrorPublic

HEADER = {
    "vi": ("Dòng", "Cột", "Lý do", "Reason", "Giá trị"),
    "en": ("Row", "Column", "Lý do", "Reason", "Value"),
}


class ErrorFile:
    """CSV rows of errors, written to a text file the caller opened (newline="")."""

    def __init__(self, out: TextIO, *, lang: str = "vi") -> None:
        self.out, self.lang = out, lang
        self.written = 0
        self.restart()

    def restart(self) -> None:
        """Start again from an empty file (the importer reads a list twice in rare cases)."""
        self.out.seek(0)
        self.out.truncate()
        self.out.write("\ufeff")
        self._csv = csv.writer(self.out)
        self._csv.writerow(HEADER.get(self.lang, HEADER["vi"]))
        self.written = 0

    def write(self, errors: list[RowErrorPublic]) -> None:
        """Append one rejected row's errors."""
        for e in errors:
            self._csv.writerow(csv_row((e.row, e.column, e.reason_vi, e.reason_en, e.value)))
        self.written += len(errors)
