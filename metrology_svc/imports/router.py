"""HTTP endpoints: upload an instrument list to import, download the filtered list."""

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from sqlmodel import Session
from starlette.background import BackgroundTask

from metrology_svc.auth.principal import Principal
from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import Convention
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.imports import export, service
from metrology_svc.imports.error_file import (
    ErrorFile,
    ErrorSink,
    ErrorStore,
    write_xlsx_report,
)
from metrology_svc.imports.readers import open_table
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.upload import convention_field, receive_file, sheet_field
from metrology_svc.instruments.deps import FilterDep

router = APIRouter(tags=["import and export"])
UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mode": {"type": "string", "enum": [m.value for m in ImportMode]},
                        "convention": {
                            "type": "string",
                            "enum": [c.value for c in Convention],
                            "description": "How numbers are written: vi (1.500,5) or en "
                            "(1,500.5); absent: as the file shows, else vi",
                        },
                        "sheet": {
                            "type": "string",
                            "maxLength": 100,
                            "description": "A workbook's sheet by name or number (1 = first); "
                            "absent: the first visible sheet with a header",
                        },
                    },
                }
            }
        },
    }
}


@dataclass(frozen=True)
class Upload:
    """An uploaded list saved to a temporary file, with the chosen mode and number convention."""

    path: Path
    name: str  # as the client named it (recorded with each imported verification)
    mode: ImportMode
    convention: Convention | None
    sheet: str | None = None


def _mode(value: Any) -> ImportMode:
    try:
        return ImportMode(value or ImportMode.ALL_OR_NOTHING.value)
    except ValueError:
        raise Invalid(
            f"mode must be one of {', '.join(m.value for m in ImportMode)}.",
            message_vi="Chế độ nhập không hợp lệ (all-or-nothing hoặc valid-only).",
            loc=["body", "mode"],
        ) from None


async def receive_upload(
    request: Request, user: CurrentUser, settings: SettingsDep
) -> AsyncIterator[Upload]:
    """Stream a multipart upload to a temporary file, refusing it once it exceeds the limit."""
    user.require_write()  # before reading a byte of the body
    limit = settings.max_upload_bytes
    async for received in receive_file(
        request, limit, what=("list", "danh sách"), prefix="import-"
    ):
        yield Upload(
            path=received.path,
            name=received.name,
            mode=_mode(received.fields.get("mode")),
            convention=convention_field(received.fields.get("convention")),
            sheet=sheet_field(received.fields.get("sheet")),
        )


UploadDep = Annotated[Upload, Depends(receive_upload)]


@router.post("/imports/instruments", response_model=ImportReport, openapi_extra=UPLOAD_DOC)
def import_instruments(
    upload: UploadDep,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> Any:
    """Import a CSV or XLSX instrument list; 422 with the per-row report when it is refused.

    413 when the list is larger than a list may be once opened (rows, columns, a cell, the
    unpacked workbook); the report lists the first rejected rows and counts the rest by reason.
    """
    report = service.import_file(
        session,
        user,
        upload.path,
        mode=upload.mode,
        convention=upload.convention,
        file_name=upload.name,
        today=today,
        due_soon_days=settings.due_soon_days,
        sheet=upload.sheet,
    )
    if report.written:
        return report
    err = Invalid(
        f"{report.rejected} rows were rejected; nothing was imported (all-or-nothing).",
        message_vi=f"{report.rejected} dòng bị từ chối; không nhập dòng nào (tất cả hoặc không).",
        details=[
            {"loc": ["file", e.row, e.column], "msg": e.reason_en, "msg_vi": e.reason_vi}
            for e in report.errors
        ],
    )
    return JSONResponse(err.body() | {"report": report.model_dump(mode="json")}, status_code=422)


ErrorFormat = Literal["csv", "xlsx"]


@router.post(
    "/imports/instruments/errors",
    response_class=FileResponse,
    openapi_extra=UPLOAD_DOC,
    responses={
        200: {
            "content": {"text/csv": {}, export.MEDIA_TYPES["xlsx"]: {}},
            "description": "Every error, one per line (csv), or the list with the offending "
            "cells red and commented, and a sheet of every error (xlsx)",
        }
    },
)
def import_errors(
    upload: UploadDep,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    lang: export.Lang = "vi",
    fmt: Annotated[ErrorFormat, Query(alias="format")] = "csv",
) -> FileResponse:
    """Check a list without importing anything and download every error of every row.

    The import's own answer lists the first rejected rows; this one has them all (row, column,
    reason in Vietnamese and English, value), written while the list is checked and sent as a
    file, however many rows are rejected. `format=xlsx` gives the list's rows as read (header
    first) with each offending cell filled red and a comment holding the reason and what would
    be accepted, and a second sheet listing every error (rows without errors past the first
    1,000 are left out, and the sheet says so). Headers X-Import-Rows and X-Import-Rejected
    give the counts. Nothing is written to the registry, even for a list without errors.
    """
    folder = Path(tempfile.mkdtemp(prefix="import-errors-"))
    check = _Check(upload, session, user, today, settings.due_soon_days)
    try:
        name, report = (
            _xlsx_errors(folder, check) if fmt == "xlsx" else _csv_errors(folder, check, lang)
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    filename = f"{'loi-nhap' if lang == 'vi' else 'import-errors'}.{fmt}"
    counts = {"X-Import-Rows": str(report.rows), "X-Import-Rejected": str(report.rejected)}
    media = "text/csv; charset=utf-8" if fmt == "csv" else export.MEDIA_TYPES["xlsx"]
    return FileResponse(
        name,
        media_type=media,
        headers=disposition_headers(filename) | counts,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@dataclass(frozen=True)
class _Check:
    """A check of an uploaded list: who asks, on which day."""

    upload: Upload
    session: Session
    user: Principal
    today: date
    due_soon_days: int

    def run(self, sink: ErrorSink) -> ImportReport:
        """Check the list as an all-or-nothing import would, every error to `sink`."""
        return service.check_file(
            self.session,
            self.user,
            self.upload.path,
            every_error=sink,
            convention=self.upload.convention,
            file_name=self.upload.name,
            today=self.today,
            due_soon_days=self.due_soon_days,
            sheet=self.upload.sheet,
        )


def _csv_errors(folder: Path, check: _Check, lang: str) -> tuple[Path, ImportReport]:
    name = folder / "errors.csv"
    with name.open("w", encoding="utf-8", newline="") as out:
        report = check.run(ErrorFile(out, lang=lang))
    return name, report


def _xlsx_errors(folder: Path, check: _Check) -> tuple[Path, ImportReport]:
    store = ErrorStore(folder / "errors.sqlite")
    try:
        report = check.run(store)
        name = folder / "errors.xlsx"
        # The list read again, beside its errors in row order (both streamed).
        upload = check.upload
        write_xlsx_report(name, open_table(upload.path, sheet=upload.sheet), store)
    finally:
        store.close()
    return name, report


@router.get("/exports/instruments", response_class=FileResponse)
def export_instruments(
    session: SessionDep,
    flt: FilterDep,
    fmt: Annotated[export.Format, Query(alias="format")] = "csv",
    lang: export.Lang = "vi",
) -> FileResponse:
    """Download the instruments matching the list filters as CSV or XLSX (importable headers)."""
    fd, name = tempfile.mkstemp(prefix="export-", suffix=f".{fmt}")
    os.close(fd)
    try:
        export.export_instruments(session, flt, Path(name), fmt=fmt, lang=lang)
    except BaseException:
        os.unlink(name)
        raise
    filename = f"{'phuong-tien-do' if lang == 'vi' else 'instruments'}.{fmt}"
    return FileResponse(
        name,
        media_type=export.MEDIA_TYPES[fmt],
        headers=disposition_headers(filename),
        background=BackgroundTask(os.unlink, name),
    )
