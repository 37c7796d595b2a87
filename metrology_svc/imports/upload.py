"""A multipart upload streamed to a temporary file, refused as soon as it passes its limit.

Shared by every route that takes a spreadsheet (the instrument import, the control-scale log):
the declared length and the bytes as they arrive are both bounded, so no upload is held whole
in memory, and the temporary file is removed when the request is done with it.
"""

import os
import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from metrology_svc.core.errors import Invalid, PayloadTooLarge
from metrology_svc.core.quantities import Convention

ENVELOPE_SLACK = 64 * 1024  # multipart boundaries and the small form fields around the file


@dataclass(frozen=True)
class Received:
    """The uploaded file saved to a temporary path, and the form's other (text) fields."""

    path: Path
    name: str  # as the client named it
    fields: dict[str, str]


def too_large(limit: int) -> PayloadTooLarge:
    """Return the 413 of a file over the limit."""
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
            raise too_large(limit - ENVELOPE_SLACK)
        yield chunk


def convention_field(value: Any) -> Convention | None:
    """Read the form's `convention` field (absent: None, the file decides)."""
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


SHEET_CHARS = 100  # Excel's sheet names have at most 31 characters


def sheet_field(value: Any) -> str | None:
    """Read the form's `sheet` field: a sheet's name or 1-based number (absent: None)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if len(text) > SHEET_CHARS:
        raise Invalid(
            f"sheet must be a sheet's name or number (at most {SHEET_CHARS} characters).",
            message_vi=f"Trang phải là tên hoặc số thứ tự trang (tối đa {SHEET_CHARS} ký tự).",
            loc=["body", "sheet"],
        )
    return text


async def receive_file(
    request: Request, limit: int, *, what: tuple[str, str], prefix: str
) -> AsyncIterator[Received]:
    """Stream the form's 'file' to a temporary file; yield it, then remove it.

    `what` names the upload in English and Vietnamese ("list", "danh sách") for the message
    that asks for multipart/form-data.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + ENVELOPE_SLACK:
        raise too_large(limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid(
            f"Send the {what[0]} as multipart/form-data with a 'file' field.",
            message_vi=f"Gửi {what[1]} dạng multipart/form-data, trường 'file'.",
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
        raise too_large(limit)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fd, name = tempfile.mkstemp(prefix=prefix)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(upload.file, out)
        await form.close()
        yield Received(Path(name), Path(upload.filename or "").name or "upload", fields)
    finally:
        os.unlink(name)
