"""Read an XLSX sheet's rows in a child process and send them, pickled, down a pipe.

`python -m metrology_svc.imports.xlsx_worker FILE` writes ("total", n), then ("rows", batch)
messages, then ("end", None), or ("error", text), to stdout. openpyxl's XML parsing is most of an
XLSX import's time; in its own process it overlaps the parent's checking and writing. The module
imports only openpyxl, so the child starts in a fraction of a second.
"""

import itertools
import pickle
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

import openpyxl
from openpyxl.utils.cell import range_boundaries

BATCH = 500


def messages(path: str) -> Iterator[tuple[str, Any]]:
    """Yield the total, the rows in batches, then the end of the first sheet of a workbook."""
    # A file object, not the path: openpyxl refuses names without an .xlsx suffix (uploads).
    with open(path, "rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            yield ("total", _rows_declared(sheet))
            rows = sheet.iter_rows(values_only=True)
            while batch := list(itertools.islice(rows, BATCH)):
                yield ("rows", batch)
        finally:
            book.close()
    yield ("end", None)


def _rows_declared(sheet: Any) -> int | None:
    # The sheet's <dimension> (Excel always writes one); without it openpyxl's max_row would
    # parse the whole sheet once more just to count, so the progress total stays unknown.
    try:
        return int(range_boundaries(sheet.calculate_dimension())[3])
    except (ValueError, TypeError):
        return None


def send(path: str, out: BinaryIO) -> None:
    """Write every message for the workbook to a binary stream; failures become a message."""
    try:
        for message in messages(path):
            pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # the parent turns it into Invalid
        pickle.dump(("error", f"{type(exc).__name__}: {exc}"), out)
    out.flush()


if __name__ == "__main__":
    send(sys.argv[1], sys.stdout.buffer)
