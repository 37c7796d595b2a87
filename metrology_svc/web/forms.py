"""Turn posted forms into API schemas, and errors into messages next to the fields (vi / en)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from metrology_svc.core.errors import DomainError, Forbidden

MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Bắt buộc nhập.", "Required."),
    "float_parsing": ("Phải là một số.", "Must be a number."),
    "finite_number": ("Phải là một số hữu hạn.", "Must be a finite number."),
    "int_parsing": ("Phải là một số nguyên.", "Must be a whole number."),
    "int_from_float": ("Phải là một số nguyên.", "Must be a whole number."),
    "date_from_datetime_parsing": ("Ngày không hợp lệ.", "Not a valid date."),
    "date_parsing": ("Ngày không hợp lệ.", "Not a valid date."),
    "greater_than": ("Phải lớn hơn {gt}.", "Must be greater than {gt}."),
    "greater_than_equal": ("Phải từ {ge} trở lên.", "Must be at least {ge}."),
    "less_than_equal": ("Không được quá {le}.", "Must be at most {le}."),
    "string_too_short": (
        "Cần ít nhất {min_length} ký tự.",
        "Needs at least {min_length} characters.",
    ),
    "string_too_long": ("Tối đa {max_length} ký tự.", "At most {max_length} characters."),
    "enum": ("Giá trị không hợp lệ.", "Not an allowed value."),
    "literal_error": ("Giá trị không hợp lệ.", "Not an allowed value."),
    "too_short": ("Cần ít nhất một mục.", "Needs at least one entry."),
}


def clean(form: dict[str, str], fields: list[str]) -> dict[str, Any]:
    """Return the named fields of a form, stripped, with empty ones as None."""
    out: dict[str, Any] = {}
    for name in fields:
        value = (form.get(name) or "").strip()
        out[name] = value or None
    return out


def pydantic_errors(exc: ValidationError, *, lang: str) -> dict[str, str]:
    """Return one message per field, in the page language."""
    index = 0 if lang == "vi" else 1
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        key = ".".join(loc) if loc else "__all__"
        pair = MESSAGES.get(str(err.get("type")))
        ctx = dict((err.get("ctx") or {}).items())
        text = pair[index].format(**ctx) if pair else str(err.get("msg"))
        out.setdefault(key, text)
    return out


def domain_errors(exc: DomainError, *, lang: str) -> dict[str, str]:
    """Return a domain error as a message on its field (or on the whole form)."""
    message = exc.message_vi if lang == "vi" else exc.message
    for detail in exc.details:
        loc = [str(p) for p in detail.get("loc", []) if str(p) not in ("body", "query", "path")]
        if loc:
            return {".".join(loc): message}
    return {"__all__": message}


@contextmanager
def form_errors(*, lang: str) -> Iterator[dict[str, str]]:
    """Collect the block's validation or domain error as messages next to the fields.

    A refusal (Forbidden) is not a form error: it goes on to the error page.
    """
    errors: dict[str, str] = {}
    try:
        yield errors
    except ValidationError as exc:
        errors.update(pydantic_errors(exc, lang=lang))
    except Forbidden:
        raise
    except DomainError as exc:
        errors.update(domain_errors(exc, lang=lang))
