"""Upload bombs against the instrument import: peak memory and time of each, and a baseline.

python -m bench.upload_bombs [--quick]

The three files measured on the first release (issue 17) took the server to 3.1, 4.2 and over
4.3 GB: a 400 KB CSV of 200,000 bad rows (its error report alone was 312 MB), a 1.15 MB XLSX
that unpacks to one 1.18 GB cell, and a 1.7 MB XLSX of a million empty rows in a sheet that
claims to be 16,384 columns wide. Here each is built again (plus a cell of 20 MB that the zip's
directory admits, and a zip whose directory lies about the cell's size) and imported by a fresh
process into a migrated SQLite file, the way the upload route calls the service; the process
serialises the report as the route would. Its peak RSS (and its XLSX reader child's) comes from
the kernel (wait4, getrusage). Baseline in the same run: the same process importing a valid
list of 1,000 rows. Ends with one line of JSON; the target: every bomb under 300 MB and
answered 413 or 422 (the bad rows: 422 with a capped report).
"""

import argparse
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

TARGET_MB = 300.0
HEADER = [
    "Loại phương tiện đo",
    "Số sản xuất",
    "Nơi sản xuất",
    "Chủ sở hữu",
    "Địa điểm",
    "Mã đơn vị hành chính",
]
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="{ref}"/><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
SHEET = "xl/worksheets/sheet1.xml"


def _header_row(header: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header)
    )
    return f'<row r="1">{cells}</row>'


def _workbook(
    path: Path, ref: str, body: Callable[[Any], None], header: list[str] | None = None
) -> Path:
    """Write a minimal XLSX whose first sheet's rows `body` writes into an open stream."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.format(ref=ref).encode())
            sheet.write(_header_row(header or HEADER).encode())
            body(sheet)
            sheet.write(_SHEET_TAIL.encode())
    return path


def csv_bad_rows(path: Path, rows: int) -> Path:
    """Write a CSV of a header and `rows` rows that each break several rules (2 bytes a row)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        out.write("x\n" * rows)
    return path


def xlsx_one_cell(path: Path, chars: int, header: list[str] | None = None) -> Path:
    """Write an XLSX whose second row is one inline-string cell of `chars` characters."""

    def body(sheet: Any) -> None:
        sheet.write(b'<row r="2"><c r="B2" t="inlineStr"><is><t>')
        block = b"A" * (1 << 20)
        left = chars
        while left > 0:
            sheet.write(block[: min(left, len(block))])
            left -= len(block)
        sheet.write(b"</t></is></c></row>")

    return _workbook(path, "A1:F2", body, header)


def lie_about_sizes(path: Path, declared: int = 4096) -> Path:
    """Rewrite the zip's central directory so that the sheet claims `declared` unpacked bytes."""
    data = bytearray(path.read_bytes())
    name = SHEET.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            size = struct.unpack_from("<I", data, at + 24)[0]
            if size != 0xFFFFFFFF:
                struct.pack_into("<I", data, at + 24, declared)
            _zip64_size(data, at, length, declared)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def _zip64_size(data: bytearray, at: int, name_length: int, declared: int) -> None:
    """Set the unpacked size in an entry's ZIP64 extra field, if it has one."""
    extra_length = struct.unpack_from("<H", data, at + 30)[0]
    extra = at + 46 + name_length
    end = extra + extra_length
    while extra + 4 <= end:
        tag, size = struct.unpack_from("<HH", data, extra)
        if tag == 1 and struct.unpack_from("<I", data, at + 24)[0] == 0xFFFFFFFF:
            struct.pack_into("<Q", data, extra + 4, declared)
        extra += 4 + size


def xlsx_empty_rows(path: Path, rows: int, header: list[str] | None = None) -> Path:
    """Write an XLSX claiming A1:XFD1048576 with `rows` empty (but formatted) rows."""

    def body(sheet: Any) -> None:
        step = 10_000
        for start in range(2, rows + 2, step):
            stop = min(start + step, rows + 2)
            sheet.write(
                "".join(
                    f'<row r="{n}" ht="15" customHeight="1"/>' for n in range(start, stop)
                ).encode()
            )

    return _workbook(path, "A1:XFD1048576", body, header)


def valid_list(path: Path, rows: int) -> Path:
    """Write a valid 1,000-row list (the baseline's file)."""
    from bench.import_data import write_files

    csv_path, _xlsx, _pyxl = write_files(path.parent, rows)
    return csv_path


# -- the measured process ------------------------------------------------------------------


def child(file: Path, db: Path, every_error: Path | None = None) -> dict[str, Any]:
    """Import a file as the upload route would; return what happened (run in its own process).

    With `every_error`, check it as POST /imports/instruments/errors does instead: every error
    written to that file as CSV, nothing imported."""
    from metrology_svc.auth.models import Role
    from metrology_svc.auth.principal import Principal
    from metrology_svc.bootstrap import prepare_database
    from metrology_svc.core.errors import DomainError
    from metrology_svc.db import build_engine, new_session
    from metrology_svc.imports.error_file import ErrorFile
    from metrology_svc.imports.service import check_file, import_file

    engine = build_engine(f"sqlite:///{db}")
    if not db.exists() or db.stat().st_size == 0:
        prepare_database(engine)
    start = time.perf_counter()
    out: dict[str, Any] = {}
    with new_session(engine) as session:
        user = Principal(user_id=0, name="bench", role=Role.ADMIN)
        try:
            if every_error is None:
                report = import_file(session, user, file, today=date(2026, 11, 23))
            else:
                with every_error.open("w", encoding="utf-8", newline="") as sink:
                    errors = ErrorFile(sink)
                    report = check_file(
                        session, user, file, every_error=errors, today=date(2026, 11, 23)
                    )
                out |= {
                    "error_lines": errors.written,
                    "error_file_bytes": every_error.stat().st_size,
                }
            body = report.model_dump_json()
            out |= {"status": 200 if report.written else 422, "report_bytes": len(body)}
            out |= {"rejected": report.rejected, "errors_listed": len(report.errors)}
            out["errors_total"] = report.errors_total
        except DomainError as exc:
            out |= {"status": exc.status_code, "message": exc.message[:200]}
        session.rollback()
    out["seconds"] = round(time.perf_counter() - start, 2)
    out["self_mb"] = _peak_since_exec_mb()
    out["reader_child_mb"] = _mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return out


def _peak_since_exec_mb() -> float:
    """Return this process's peak RSS since it started its program (VmHWM, per address space).

    Not ru_maxrss: Linux carries a process's maximum across fork and exec, so a child of a
    large process (a long test run's pytest, say) would report its parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return _mb(int(line.split()[1]))
    return _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _mb(kib: int) -> float:
    return round(kib / 1024, 1)


def measure(file: Path, db: Path, every_error: Path | None = None) -> dict[str, Any]:
    """Run `child` in a new process; add its peak RSS (its own since exec, and its reader
    child's)."""
    command = [sys.executable, "-m", "bench.upload_bombs", "--child", str(file), "--db", str(db)]
    if every_error is not None:
        command += ["--every-error", str(every_error)]
    # Our interpreter and module, paths as arguments: no shell.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.wait()
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    # The importing process's own peak and its XLSX reader child's (forked from it, small).
    result["peak_mb"] = max(result["self_mb"], result["reader_child_mb"])
    result["exit"] = proc.returncode
    result["file_kb"] = round(file.stat().st_size / 1024, 1)
    return result


def bombs(folder: Path, *, quick: bool) -> dict[str, Path]:
    """Build the bombs (smaller under --quick) and return them by name."""
    scale = 4 if quick else 1
    return {
        "csv_bad_rows": csv_bad_rows(folder / "bad.csv", (160_000 if quick else 199_000)),
        "xlsx_one_cell": xlsx_one_cell(folder / "cell.xlsx", 1_180_000_000 // scale),
        "xlsx_cell_lying_directory": lie_about_sizes(
            xlsx_one_cell(folder / "lying.xlsx", 400_000_000 // scale)
        ),
        "xlsx_cell_20mb": xlsx_one_cell(folder / "cell20.xlsx", 20_000_000),
        "xlsx_empty_rows": xlsx_empty_rows(folder / "rows.xlsx", 1_048_575),
    }


def main() -> None:
    """Build the bombs, import each in a fresh process, print the figures and one JSON line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller bombs (under a minute)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--every-error", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.db, args.every_error)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="bombs-") as tmp:
        folder = Path(tmp)
        db = folder / "bench.db"
        valid = valid_list(folder / "valid.csv", 1000)
        measure(valid, db)  # migrates the database (not measured)
        baseline = measure(valid, db)  # every row unchanged: read, checked, nothing written
        print(f"baseline: valid 1,000-row CSV: {baseline['peak_mb']} MB, {baseline['seconds']} s")
        results: dict[str, Any] = {}
        for name, path in bombs(folder, quick=args.quick).items():
            found = measure(path, db)
            met = found["peak_mb"] <= TARGET_MB and found["status"] in (413, 422)
            results[name] = found | {"met": met}
            print(
                f"{name:28} {found['file_kb']:>8} KB → {found['status']} in {found['seconds']} s, "
                f"peak {found['peak_mb']} MB (reader child {found['reader_child_mb']} MB)"
                + (f", report {found['report_bytes']} bytes" if "report_bytes" in found else ""),
                flush=True,
            )
        every = measure(folder / "bad.csv", db, every_error=folder / "errors.csv")
        results["csv_bad_rows_every_error"] = every | {"met": every["peak_mb"] <= TARGET_MB}
        print(
            f"{'csv_bad_rows → every error':28} {every['file_kb']:>8} KB → "
            f"{every['error_lines']:,} error lines ({every['error_file_bytes'] / 1e6:.1f} MB file)"
            f" in {every['seconds']} s, peak {every['peak_mb']} MB",
            flush=True,
        )
    print(json.dumps({"target_mb": TARGET_MB, "baseline": baseline, "bombs": results}))


if __name__ == "__main__":
    main()
