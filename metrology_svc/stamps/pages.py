"""The public verify page /v/{code} (HTML, Vietnamese first, ?lang=en), and its mounting."""

import contextlib
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import markupsafe
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from metrology_svc.core.text import plain
from metrology_svc.stamps import texts
from metrology_svc.stamps.checking import scan_record, to_result
from metrology_svc.stamps.rules import State
from metrology_svc.stamps.runtime import StampRuntime, build_runtime, runtime_of, today_of
from metrology_svc.stamps.scanlog import flushing

page_router = APIRouter(tags=["public verify page"])

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "app": "Tra cứu tem kiểm định",
        "reason": "Lý do",
        "stamp": "Tem kiểm định",
        "serial_stamp": "Số tem",
        "valid_until": "Hiệu lực đến",
        "verified_on": "Ngày kiểm định",
        "seal": "Số niêm phong",
        "instrument": "Phương tiện đo",
        "type": "Loại",
        "make": "Hãng sản xuất",
        "model": "Kiểu",
        "serial": "Số sản xuất",
        "site": "Nơi sử dụng",
        "owner": "Cơ sở",
        "other": "English",
        "other_lang": "en",
    },
    "en": {
        "app": "Verification stamp check",
        "reason": "Reason",
        "stamp": "Verification stamp",
        "serial_stamp": "Stamp number",
        "valid_until": "Valid until",
        "verified_on": "Verified on",
        "seal": "Seal number",
        "instrument": "Instrument",
        "type": "Type",
        "make": "Manufacturer",
        "model": "Model",
        "serial": "Serial number",
        "site": "Place of use",
        "owner": "Business",
        "other": "Tiếng Việt",
        "other_lang": "vi",
    },
}
TONES = {State.VALID: "ok", State.EXPIRING: "warn"}


@lru_cache(maxsize=1)
def _templates() -> dict[str, jinja2.Template]:
    """Return the page template per language, compiled once, with the fixed labels in place.

    Every `{{ … }}` is escaped by `finalize`, which Jinja applies to each value it outputs
    (after filters, Markup or not: the template cannot print raw HTML from a value), in place
    of autoescape: same escapes as markupsafe, a third of the cost (markupsafe wraps each value
    in a Markup in Python). The template reads the stamp's fields by subscript (`stamp["serial"]`),
    which Jinja tries on a dict first, where `stamp.serial` first fails an attribute lookup.
    """
    env = jinja2.Environment(autoescape=False, auto_reload=False, finalize=_escape)  # noqa: S701
    env.filters["dmy"] = _dmy
    source = (Path(__file__).parent / "templates" / "verify.html.j2").read_text(encoding="utf-8")
    out: dict[str, jinja2.Template] = {}
    for lang, labels in LABELS.items():
        text = source.replace("{{ lang }}", lang)
        for key, label in labels.items():
            text = text.replace(f"{{{{ t.{key} }}}}", str(markupsafe.escape(label)))
        out[lang] = env.from_string(text)
    return out


def _escape(value: object) -> str:
    """Escape a value for HTML text or a quoted attribute, exactly as markupsafe does."""
    text = plain(value if type(value) is str else str(value))  # no bidi override, no zero-width
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def _dmy(iso: str) -> str:
    # 2028-11-02 → 02/11/2028, the way dates are written in Vietnam.
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def client_host(request: Request) -> str:
    """Return the address the rate limit and the scan log key on."""
    return request.client.host if request.client else "-"


def query_float(request: Request, name: str, *, limit: float) -> float | None:
    """Return a query parameter as a float within ±limit, or None when absent or unusable.

    Parsed by hand: declared parameters cost the public check more than its database read,
    and a bad position from a phone should not turn a stamp check into an error.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if -limit <= value <= limit else None


def _render(body: dict[str, Any], *, lang: str, code: str, status_code: int = 200) -> HTMLResponse:
    other = "en" if lang == "vi" else "vi"
    html = _templates()[lang].render(
        other_href=f"/v/{quote(code)}?lang={other}",
        tone=TONES.get(body["state"], "bad"),
        **body,
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def _rate_limited(request: Request, runtime: StampRuntime, *, lang: str, code: str) -> HTMLResponse:
    vi, en = texts.RATE_LIMITED
    body = {
        "state": "rate_limited",
        "title": vi if lang == "vi" else en,
        "advice": en if lang == "vi" else vi,
        "reason": None,
        "stamp": None,
        "instrument": None,
    }
    response = _render(body, lang=lang, code=code, status_code=429)
    response.headers["Retry-After"] = str(runtime.buckets.retry_after(client_host(request)))
    return response


_PAGE_PARAMETERS = [
    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "lang", "in": "query", "schema": {"enum": ["vi", "en"], "default": "vi"}},
    {"name": "lat", "in": "query", "schema": {"type": "number", "minimum": -90, "maximum": 90}},
    {"name": "lon", "in": "query", "schema": {"type": "number", "minimum": -180, "maximum": 180}},
]


@page_router.get(
    "/v/{code}",
    response_class=HTMLResponse,
    summary="Public stamp check (HTML)",
    openapi_extra={"parameters": _PAGE_PARAMETERS},
)
@page_router.get("/V/{code}", response_class=HTMLResponse, include_in_schema=False)
async def verify_page(request: Request) -> HTMLResponse:
    """Show whether a stamp is valid, with what identifies its instrument (?lang=en: English;
    an inspector's app may add ?lat=&lon= to log where the stamp was seen)."""
    # Path and query read by hand: declared parameters cost more than the lookup (see above).
    code: str = request.path_params["code"]
    lang = "en" if request.query_params.get("lang") == "en" else "vi"
    runtime = runtime_of(request)
    host = client_host(request)
    if not runtime.buckets.allow(host):
        return _rate_limited(request, runtime, lang=lang, code=code)
    check = await runtime.check_async(code, today=today_of(request))
    latitude = query_float(request, "lat", limit=90)
    longitude = query_float(request, "lon", limit=180)
    runtime.log_scan(
        scan_record(
            check,
            code=code,
            channel="page",
            user_agent=request.headers.get("user-agent"),
            host=host,
            latitude=latitude,
            longitude=longitude,
            staff=await runtime.staff_scan(request, latitude, longitude),
        )
    )
    result = to_result(check)
    body = {
        "state": result["state"],
        "title": result["title_" + lang],
        "advice": result["advice_" + lang],
        "reason": result["reason_" + lang],
        "stamp": result["stamp"],
        "instrument": result["instrument"],
        "type_name": result["instrument"]["type_" + lang] if result["instrument"] else None,
    }
    status_code = 404 if check.state in (State.MALFORMED, State.UNKNOWN) else 200
    return _render(body, lang=lang, code=code, status_code=status_code)


def install_stamps(app: FastAPI) -> None:
    """Give the app its stamp runtime, the public verify page and the scan flusher."""
    runtime = build_runtime(app.state.settings, app.state.session_factory)
    app.state.stamps = runtime
    app.include_router(page_router)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(the_app: Any) -> AsyncIterator[Any]:
        every_s = runtime.settings.stamp_scan_flush_seconds
        runtime.ring.active()  # read (or on first run create) the keys before the first request
        try:
            async with inner(the_app) as state, flushing(runtime.scans, every_s=every_s):
                yield state
        finally:
            runtime.close()

    app.router.lifespan_context = lifespan
