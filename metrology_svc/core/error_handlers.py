"""Render every error the app raises as the same JSON shape (the HTTP side of core.errors).

Kept apart from the error classes so that code which only raises them (services, the CLI)
does not import FastAPI.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from metrology_svc.core.errors import (
    Conflict,
    DatabaseBusy,
    DomainError,
    Invalid,
    validation_details,
)
from metrology_svc.sqlite_writer import database_busy

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error as the same JSON shape."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(OperationalError)
    async def _operational(_request: Request, exc: OperationalError) -> JSONResponse:
        # SQLite's one writer was not had within the busy timeout (metrology_svc/
        # sqlite_writer.py): the transaction was rolled back, so the client may simply retry.
        if not database_busy(exc):
            raise exc  # a real fault: the server error page and its log
        log.warning("database busy: %s", str(exc.orig)[:300])
        err = DatabaseBusy()
        return JSONResponse(err.body(), status_code=err.status_code, headers=err.headers())

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        err = Invalid(
            "The request is invalid; see details for each field.",
            message_vi="Yêu cầu không hợp lệ; xem chi tiết từng trường.",
            details=validation_details(exc.errors()),
        )
        return JSONResponse(err.body(), status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", str(exc.orig)[:300])
        err = Conflict(
            "The change conflicts with a stored record (duplicate or missing reference).",
            message_vi="Thay đổi xung đột với dữ liệu đã lưu (trùng hoặc thiếu tham chiếu).",
        )
        return JSONResponse(err.body(), status_code=409)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
        # A number past what the database stores (an id beyond 64 bits on SQLite, 32 on a
        # PostgreSQL integer column) or text past a column's length: the client's mistake.
        log.info("value out of range: %s", str(getattr(exc, "orig", exc))[:300])
        err = Invalid(
            "A value is out of range for what can be stored (too large a number or too long).",
            message_vi="Có giá trị vượt quá phạm vi lưu trữ (số quá lớn hoặc chuỗi quá dài).",
        )
        return JSONResponse(err.body(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        body = {
            "error": {
                "code": code,
                "message": str(exc.detail),
                "message_vi": str(exc.detail),
                "details": [],
            }
        }
        return JSONResponse(body, status_code=exc.status_code)
