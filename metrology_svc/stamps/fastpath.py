"""The public stamp check served ahead of the router: the busiest routes skip FastAPI's routing.

`/v/{code}` and `/api/v1/stamps/verify?code=` take no body, no login and no dependencies; their
handlers (pages.verify_page, router.verify) read the request by hand. Through the router a
request also walks the route table (nested routers since FastAPI 0.138), solves an empty
dependency graph and is wrapped for exceptions; ahead of it the same handlers answer in about
two thirds of the time. This middleware sits inside the others (request id, metrics, access
log, rate limits) and just before the router, so everything around the check stays the same.
The routes stay declared on the router for OpenAPI and for what this does not take: other
methods, paths with more segments, and a JSON check without `?code=` (the router's 422).
"""

import inspect
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from metrology_svc.core.asgi import ASGIApp, Receive, Scope, Send
from metrology_svc.stamps.pages import verify_page
from metrology_svc.stamps.router import verify

API_PATH = "/api/v1/stamps/verify"


@dataclass(frozen=True, slots=True)
class RouteLabel:
    """What the metrics and access log read from scope["route"]: the route's template."""

    path: str


PAGE_ROUTE = RouteLabel("/v/{code}")
API_ROUTE = RouteLabel(API_PATH)


class PublicCheckFastPath:
    """Answer GET and HEAD of the public check with its handlers; pass anything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the public check directly, or hand the request to the router."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path[:3] in ("/v/", "/V/") and len(path) > 3 and "/" not in path[3:]:
            scope["path_params"] = {"code": path[3:]}
            scope["route"] = PAGE_ROUTE
            request = Request(scope, receive)
            response: Response = await self._answer(request, verify_page)
        elif path == API_PATH and b"code=" in scope["query_string"]:
            request = Request(scope, receive)
            if request.query_params.get("code") is None:
                await self.app(scope, receive, send)  # e.g. ?xcode=: the router says what is wrong
                return
            scope["route"] = API_ROUTE
            response = await self._answer(request, verify)
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    @staticmethod
    async def _answer(request: Request, handler: Any) -> Response:
        """Run a handler; an error it raises is rendered by the app's own exception handlers."""
        try:
            response: Response = await handler(request)
        except Exception as exc:
            render = _handler_for(request.app.exception_handlers, exc)
            if render is None:
                raise  # the server error middleware answers 500, as it would behind the router
            response = render(request, exc)
            if inspect.isawaitable(response):
                response = await response
        return response


def _handler_for(handlers: dict[Any, Any], exc: Exception) -> Any:
    """Return the app's handler for this exception's class or its nearest base, if any."""
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
