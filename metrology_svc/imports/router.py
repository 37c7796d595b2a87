"""HTTP endpoints: upload an instrument list to import, download the filtered list."""

import os
import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from metrology_svc.core.errors import Invalid, PayloadTooLarge
from metrology_svc.core.quantities import Convention
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep, TodayDep
from metrology_svc.imports import export, service
from metrology_svc.imports.schemas import ImportMode, ImportReport
from metrology_svc.instruments.deps import FilterDep

router = APIRouter(tags=["import and export"])
ENVELOPE_SLACK = 64 * 1024  # multipart boundaries and the small form fields around the file
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


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {limit} bytes.",
        message_vi=f"Tệp lớn hơn {limit} byte.",
        loc=["body", "file"],
    )


async def _counted(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            # Refuse while the body is still arriving, not after holding all of it.
            raise _too_large(limit - ENVELOPE_SLACK)
        yield chunk


def _mode(value: Any) -> ImportMode:
    try:
        return ImportMode(value or ImportMode.ALL_OR_NOTHING.value)
    except ValueError:
        raise Invalid(
            f"mode must be one of {', '.join(m.value for m in ImportMode)}.",
            message_vi="Chế độ nhập không hợp lệ (all-or-nothing hoặc valid-only).",
            loc=["body", "mode"],
        ) from None


def _convention(value: Any) -> Convention | None:
    if value is None or value == "":
        return None
    try:
        return Convention(value)
    except ValueError:
        raise Invalid(
            "convention must be vi (1.500,5) or en (1,500.5).",
            message_vi="Kiểu số không hợp lệ: vi (1.500,5) hoặc en (1,500.5).",
            loc=["body", "convention"],
        ) from None


async def receive_upload(
    request: Request, user: CurrentUser, settings: SettingsDep
) -> AsyncIterator[Upload]:
    """Stream a multipart upload to a temporary file, refusing it once it exceeds the limit."""
    user.require_write()  # before reading a byte of the body
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + ENVELOPE_SLACK:
        raise _too_large(limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid(
            "Send the list as multipart/form-data with a 'file' field.",
            message_vi="Gửi danh sách dạng multipart/form-data, trường 'file'.",
            loc=["body", "file"],
        )
    parser = MultiPartParser(
        request.headers, _counted(request, limit + ENVELOPE_SLACK), max_files=1, max_fields=5
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise Invalid(str(exc), message_vi="Dữ liệu tải lên hỏng.", loc=["body"]) from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Invalid(
            "The 'file' field is missing.", message_vi="Thiếu trường 'file'.", loc=["body", "file"]
        )
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    fd, name = tempfile.mkstemp(prefix="import-")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(upload.file, out)
        await form.close()
        yield Upload(
            path=Path(name),
            name=Path(upload.filename or "").name or "upload",
            mode=_mode(form.get("mode")),
            convention=_convention(form.get("convention")),
        )
    finally:
        os.unlink(name)


UploadDep = Annotated[Upload, Depends(receive_upload)]


@router.post("/imports/instruments", response_model=ImportReport, openapi_extra=UPLOAD_DOC)
def import_instruments(
    upload: UploadDep,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    today: TodayDep,
) -> Any:
    """Import a CSV or XLSX instrument list; 422 with the per-row report when it is refused."""
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
        filename=filename,
        background=BackgroundTask(os.unlink, name),
    )
