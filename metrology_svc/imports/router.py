"""HTTP endpoints: upload an instrument list to import, download the filtered list."""

import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.errors import Invalid
from metrology_svc.core.quantities import Convention
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.imports import export, service
from metrology_svc.imports.error_file import ErrorFile
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.imports.upload import convention_field, receive_file
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


@router.post(
    "/imports/instruments/errors",
    response_class=FileResponse,
    openapi_extra=UPLOAD_DOC,
    responses={200: {"content": {"text/csv": {}}, "description": "Every error, one per line"}},
)
def import_errors(
    upload: UploadDep,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
    lang: export.Lang = "vi",
) -> FileResponse:
    """Check a list without importing anything and download every error of every row as CSV.

    The import's own answer lists the first rejected rows; this one has them all (row, column,
    reason in Vietnamese and English, value), written while the list is checked and sent as a
    file, however many rows are rejected. Headers X-Import-Rows and X-Import-Rejected give the
    counts. Nothing is written to the registry, even for a list without errors.
    """
    fd, name = tempfile.mkstemp(prefix="import-errors-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            report = service.check_file(
                session,
                user,
                upload.path,
                every_error=ErrorFile(out, lang=lang),
                convention=upload.convention,
                file_name=upload.name,
                today=today,
                due_soon_days=settings.due_soon_days,
            )
    except BaseException:
        os.unlink(name)
        raise
    filename = f"{'loi-nhap' if lang == 'vi' else 'import-errors'}.csv"
    counts = {"X-Import-Rows": str(report.rows), "X-Import-Rejected": str(report.rejected)}
    return FileResponse(
        name,
        media_type="text/csv; charset=utf-8",
        headers=disposition_headers(filename) | counts,
        background=BackgroundTask(os.unlink, name),
    )


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
