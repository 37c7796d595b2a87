"""Domain errors carry their HTTP status; core/error_handlers.py renders every one as JSON."""

from collections.abc import Sequence
from typing import Any

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

    def headers(self) -> dict[str, str]:
        """Return the HTTP headers that go with this error's status."""
        return {}


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

    def headers(self) -> dict[str, str]:
        """Name the scheme the client should authenticate with."""
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    """The caller may not do this (role or jurisdiction)."""

    status_code = 403
    code = "forbidden"


class PayloadTooLarge(DomainError):
    """The body or upload is larger than allowed."""

    status_code = 413
    code = "payload_too_large"


class Unavailable(DomainError):
    """The service cannot do this right now but soon can (e.g. the database is busy)."""

    status_code = 503
    code = "unavailable"
    retry_after_s = 2

    def headers(self) -> dict[str, str]:
        """Tell the client when to try again."""
        return {"Retry-After": str(self.retry_after_s)}


class DatabaseBusy(Unavailable):
    """A write waited for the database longer than the bound; it was not saved."""

    code = "database_busy"

    def __init__(self) -> None:
        super().__init__(
            "The database is busy with other changes; this change was not saved. "
            "Try again in a moment.",
            message_vi="Cơ sở dữ liệu đang bận ghi dữ liệu khác; thay đổi này chưa được lưu. "
            "Vui lòng thử lại sau giây lát.",
        )


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
