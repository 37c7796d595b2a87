"""Render the web pages: one Jinja environment, the layout's context, HTML error pages."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import DomainError
from metrology_svc.core.quantities import Convention, format_quantity
from metrology_svc.core.text import plain
from metrology_svc.web.i18n import lang_of, words
from metrology_svc.web.labels import in_lang_filter, label_filter
from metrology_svc.web.session import LANG_COOKIE, csrf_token, secret_of, set_cookie

# Vietnam keeps UTC+7 all year (no daylight saving): the pages show the users' own clock; the
# database keeps UTC, naive or aware.
VIETNAM = timezone(timedelta(hours=7), "ICT")
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Return the page templates' environment (built on first use)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Text from the record loses invisible characters (bidi overrides, zero-width) on
        # its way to a page: stored before the input rules, or read from a file, it cannot
        # reverse or hide what the page shows. Markup (the templates' own HTML) is left as is.
        finalize=_shown,
    )
    env.filters["dmy"] = lambda d: local(d).strftime("%d/%m/%Y") if d else "—"
    env.filters["dmyhm"] = lambda d: local(d).strftime("%d/%m/%Y %H:%M") if d else "—"
    env.filters["num"] = _num
    env.filters["qty"] = _qty
    # Attribute values written by xmlattr (Markup) skip `finalize`: the field macro passes
    # them through this first.
    env.filters["plain"] = plain
    env.filters["label"] = label_filter
    env.filters["in_lang"] = in_lang_filter
    env.filters["dmy_text"] = dmy_text
    return env


def _shown(value: object) -> object:
    return plain(value) if type(value) is str else value


def local(value: date) -> date:
    """Return a moment (UTC, naive or aware) on Vietnam's clock; a calendar date as it is."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(VIETNAM)
    return value


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def dmy_text(text: str | None) -> str:
    """Return a stored text (a rule label: "…, phiên bản 2013-11-15") with dates as dd/mm/yyyy."""
    return ISO_DAY.sub(r"\3/\2/\1", text) if text else "—"


def quantity_text(value: float | Decimal | None) -> str:
    """Return a quantity as the pages write it (15 000, 0,5)."""
    return _qty(value)


def _qty(value: float | Decimal | None) -> str:
    # A measured value as the forms read it (15 000, 0,5): copied back, it means the same.
    if value is None:
        return "—"
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return format_quantity(exact.normalize(), None, convention=Convention.VI)


def lang_href(request: Request, lang: str) -> str:
    """Return this page's address in another language."""
    params = {k: v for k, v in request.query_params.multi_items() if k != "lang"}
    query = urlencode([*params.items(), ("lang", lang)])
    return f"{request.url.path}?{query}"


def render(
    request: Request,
    template: str,
    *,
    user: Principal | None,
    nonce: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page inside the layout, in the request's language, with its CSRF token."""
    lang = lang_of(request)
    nonce = nonce or getattr(request.state, "web_nonce", None)
    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            t=words(lang),
            user=user,
            csrf=csrf_token(secret_of(request), nonce) if nonce else "",
            path=request.url.path,
            other_lang_href=lang_href(request, "en" if lang == "vi" else "vi"),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.query_params.get("lang") in ("vi", "en"):
        set_cookie(response, request, LANG_COOKIE, lang, 365 * 24 * 3600)
    return response


def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """Render a domain error (403, 404, 422, …) as a page in the request's language."""
    user: Principal | None = getattr(request.state, "web_user", None)
    lang = lang_of(request)
    message = exc.message_vi if lang == "vi" else exc.message
    return render(
        request,
        "error.html.j2",
        user=user,
        status_code=exc.status_code,
        code=exc.status_code,
        message=message,
    )
