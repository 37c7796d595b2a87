"""Server-rendered web pages for inspectors and offices (Jinja2, our own CSS and vanilla JS)."""

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import URL
from starlette.exceptions import HTTPException as StarletteHTTPException

from metrology_svc.core.errors import DomainError, Invalid, NotFound
from metrology_svc.web import (
    auth_pages,
    control_log_pages,
    dashboard_pages,
    inspection_office_pages,
    inspection_pages,
    instrument_pages,
    market_pages,
    message_pages,
    notice_pages,
    owner_pages,
    plan_pages,
    rehoming_pages,
    report_pages,
    round_pages,
    verification_pages,
    verification_preview,
)
from metrology_svc.web.deps import LoginRequired
from metrology_svc.web.render import STATIC, error_page


def install_web(app: FastAPI) -> None:
    """Mount the pages under /web, their static files, and HTML error pages for /web paths."""
    for module in (
        auth_pages,
        control_log_pages,
        dashboard_pages,
        inspection_pages,
        instrument_pages,
        verification_pages,
        verification_preview,
        market_pages,
        notice_pages,
        report_pages,
        rehoming_pages,
        owner_pages,
        message_pages,
        plan_pages,
        inspection_office_pages,
        round_pages,
    ):
        app.include_router(module.router)
    app.add_api_route("/", front_door, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/web", front_door, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount("/web/static", StaticFiles(directory=STATIC), name="web-static")
    for kind in (DomainError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _pages_first(app.exception_handlers[kind]))


def front_door() -> RedirectResponse:
    """Send a browser from the site root to the pages (which send it on to login if needed)."""
    return RedirectResponse("/web/", status_code=303)


def _is_page(path: str) -> bool:
    # /web paths answer with pages, except the JSON preview the verification form calls.
    return path.startswith("/web/") and not path.endswith("/preview")


def _pages_first(json_handler: Any) -> Any:
    """Wrap the JSON error handler: on a /web page, redirect to login or render an error page."""

    async def handler(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if not _is_page(path):
            response: Response = await json_handler(request, exc)
            return response
        if isinstance(exc, LoginRequired):
            target = URL(path=path, query=request.url.query)
            return RedirectResponse(
                f"/web/login?next={quote(str(target), safe='')}", status_code=303
            )
        if isinstance(exc, DomainError):
            return error_page(request, exc)
        if isinstance(exc, RequestValidationError):
            return error_page(
                request,
                Invalid(
                    "Some values in the address are not valid.",
                    message_vi="Một số giá trị trong địa chỉ không hợp lệ.",
                ),
            )
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return error_page(request, NotFound("No such page.", message_vi="Không có trang này."))
        response = await json_handler(request, exc)
        return response

    return handler
