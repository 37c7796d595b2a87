"""Domain errors carry their HTTP status; one set of handlers renders every error as JSON."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

Loc = Sequence[str | int]


class DomainError(Exception):
    """A failure the client can act on; subclasses fix the status and code."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        message_vi: str | None = None,
        loc: Loc | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_vi = message_vi or message
        self.details = list(details or [])
        if loc is not None:
            self.details.insert(0, {"loc": list(loc), "msg": message})

    def body(self) -> dict[str, Any]:
        """Return the JSON body for this error."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "message_vi": self.message_vi,
                "details": self.details,
            }
        }


class NotFound(DomainError):
    """The thing asked for does not exist."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with what is stored (e.g. a duplicate identity)."""

    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    """The request is well-formed but its content breaks a rule."""

    status_code = 422
    code = "invalid"


class Unauthorized(DomainError):
    """No valid credentials were given."""

    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """The caller may not do this (role or jurisdiction)."""

    status_code = 403
    code = "forbidden"


class PayloadTooLarge(DomainError):
    """The body or upload is larger than allowed."""

    status_code = 413
    code = "payload_too_large"


def _json_safe(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Turn pydantic errors into JSON-safe details with loc, msg and type."""
    return [
        {"loc": _json_safe(list(e.get("loc", ()))), "msg": str(e.get("msg")), "type": e.get("type")}
        for e in errors
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error as the same JSON shape."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

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
