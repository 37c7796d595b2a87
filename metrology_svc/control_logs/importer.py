"""Import a log spreadsheet: every row stored, already stored, or refused with a reason per cell."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.control_logs import rules, service, sheet
from metrology_svc.control_logs.repository import ControlLogRepository
from metrology_svc.core.clock import utcnow
from metrology_svc.core.quantities import Convention, convention_of
from metrology_svc.imports.cells import Bad, as_text
from metrology_svc.imports.rules import RowError
from metrology_svc.imports.schemas import REPORTED_ROWS, ErrorCount, count_reason
from metrology_svc.instruments.models import Instrument
from metrology_svc.settings import Settings


@dataclass
class LogImport:
    """What an import did: rows read, stored, already stored before, refused (with reasons).

    `errors` holds every error of the first REPORTED_ROWS refused rows; `reasons` counts all.
    """

    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    convention: Convention = Convention.VI
    errors: list[RowError] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    errors_total: int = 0
    reasons: list[ErrorCount] = field(default_factory=list)
    _kinds: dict[tuple[str, str], ErrorCount] = field(default_factory=dict, repr=False)

    def refuse(self, errors: list[RowError]) -> None:
        """Count a refused row and its errors; list them while the report has room."""
        self.refused += 1
        self.errors_total += len(errors)
        if self.refused <= REPORTED_ROWS:
            self.errors += errors
        for e in errors:
            count_reason(self._kinds, self.reasons, e.column, e.reason_vi, e.reason_en)


def _scale(cell: Any, scales: list[Instrument]) -> Instrument:
    text = as_text(cell)
    if not text:
        if len(scales) == 1:
            return scales[0]
        raise Bad(
            "Chợ có nhiều cân đối chứng: ghi số máy của cân",
            "The market has several control scales: write the scale's serial",
        )
    for scale in scales:
        if scale.serial.casefold() == text.casefold() or str(scale.id) == text:
            return scale
    raise Bad(
        "Không phải cân đối chứng đang dùng tại chợ này",
        "Not a control scale in use at this market",
    )


def _convention(rows: list[sheet.SheetRow], given: Convention | None) -> Convention:
    if given is not None:
        return given
    texts = [
        v for r in rows for k in ("declared", "measured") if isinstance(v := r.cells.get(k), str)
    ]
    return convention_of(texts, default=Convention.VI)


UNKNOWN_SET_UP = datetime(2000, 1, 1, tzinfo=UTC)  # scale not found: only the protocol's floor
_FIELD_COLUMN = {
    "measured_at": "date",
    "scale_id": "scale",
    "declared_g": "declared",
    "measured_g": "measured",
}


def _line(
    row: sheet.SheetRow, header: sheet.Header, scales: list[Instrument], parse: dict[str, Any]
) -> tuple[rules.LineIn | None, list[RowError]]:
    cells, errors, got = row.cells, list[RowError](), dict[str, Any]()
    readers: dict[str, Any] = {
        "scale": lambda c: _scale(c, scales),
        "date": lambda c: sheet.read_moment(c, cells.get("time", "")),
        "declared": parse["declared"],
        "measured": parse["measured"],
    }
    for key, read in readers.items():
        cell = cells.get(key, "")
        try:
            if key in ("declared", "measured") and as_text(cell) == "":
                raise Bad("Bắt buộc nhập", "Required")
            got[key] = read(cell)
        except Bad as bad:
            errors.append(sheet.cell_error(row.row, header, key, cell, bad))
    now = utcnow()
    scale = got.get("scale")
    line = rules.LineIn(  # a cell refused above stands in as a harmless value, checked no more
        scale_id=(scale.id or 0) if scale else 0,
        measured_at=got.get("date", now),
        seller=rules.tidy(as_text(cells.get("seller", ""))),
        goods=rules.tidy(as_text(cells.get("goods", ""))),
        declared_g=sheet.as_decimal(got.get("declared", 1.0)),
        measured_g=sheet.as_decimal(got.get("measured", 1.0)),
        note=as_text(cells.get("note", "")).strip(),
    )
    set_up = service.set_up_at(scale) if scale else UNKNOWN_SET_UP
    for p in rules.problems(line, set_up_at=set_up, now=now):
        key = _FIELD_COLUMN.get(p.field, p.field)
        if key in got or key not in readers:
            errors.append(
                sheet.cell_error(row.row, header, key, cells.get(key, ""), Bad(p.vi, p.en))
            )
    return (None, errors) if errors else (line, [])


def import_log(
    session: Session,
    user: Principal,
    *,
    site_id: int,
    path: Path,
    file_name: str,
    convention: Convention | None,
    settings: Settings,
) -> LogImport:
    """Store a log file's good rows; refuse the others cell by cell; skip rows stored before."""
    service.require_writer(session, user, site_id)
    header, rows = sheet.read_rows(path)
    scales = ControlLogRepository(session).control_scales(site_id)
    report = LogImport(rows=len(rows), convention=_convention(rows, convention))
    parse = {k: sheet.mass_parser(header, k, report.convention) for k in ("declared", "measured")}
    pending: list[service.Pending] = []
    for row in rows:
        line, errors = _line(row, header, scales, parse)
        if line is None:
            report.refuse(errors)
        else:
            pending.append(service.Pending(line, "import", file_name[:200], row.row))
    done = service.record(session, user, site_id=site_id, lines=pending, settings=settings)
    report.stored, report.duplicates = len(done.entries), len(done.duplicates)
    report.requests = done.requests
    return report
