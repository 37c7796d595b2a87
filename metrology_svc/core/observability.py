"""Request ids, request metrics and one access log line per request (pure ASGI middleware).

/metrics on the API's port is not public: it answers only a scraper that presents
`Authorization: Bearer <METROLOGY_METRICS_TOKEN>`, and 404 when no token is set (then the
metrics are on METROLOGY_METRICS_PORT, loopback by default, which every process can open).

The metric objects live in the default registry and are created once per process, when this
module is first imported (as devices/ingest_metrics.py does); building many apps reuses them.
"""

import contextvars
import hmac
import json
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app

from metrology_svc.core.asgi import ASGIApp, Message, Receive, Scope, Send, header, send_error

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("metrology_svc.access")

REQUESTS = Counter(
    "metrology_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "metrology_http_request_duration_seconds",
    "Time from request to the end of the response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
NOTICE_DELIVERIES = Counter(
    "metrology_notice_deliveries",
    "Notice delivery attempts by channel and outcome (sent, failed, given_up)",
    ["channel", "outcome"],
)
NOTICES_WITHOUT_RECIPIENT = Gauge(
    "metrology_notices_without_recipient",
    "Open notices that reach only the office's fallback (no recipient configured), "
    "as of the last due scan",
)

# The request being served, for log records (core/logging.py adds it to every line).
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
REQUEST_ID_HEADER = b"x-request-id"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
UNMATCHED = "<unmatched>"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
METRICS_PATH = "/metrics"


def request_id_from(scope: Scope) -> str:
    """Return the caller's X-Request-ID when it is sane, else a new random id."""
    given = header(scope, REQUEST_ID_HEADER)
    if given is not None and _GOOD_ID.match(given):
        return given
    # Unique in the logs, not unguessable: 128 bits of the generator Python seeds from the OS
    # at start cost no system call per request, unlike uuid4.
    return f"{random.getrandbits(128):032x}"


def route_of(scope: Scope) -> str:
    """Return the matched route's template (/api/v1/instruments/{instrument_id}), not the path."""
    # FastAPI (0.16x) keeps the full template of a route of an included router here; the
    # route object itself holds only the part below the router's prefix.
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(context, "path", None) or getattr(scope.get("route"), "path", None)
    return str(path) if path else UNMATCHED


class ObservabilityMiddleware:
    """Give each request an id (echoed in X-Request-ID), count and time it, and log it once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id bound, then record its metrics and access line."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from(scope)
        token = request_id_var.set(rid)
        status = 500
        start = time.perf_counter()

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, rid.encode("latin-1")),
                ]
            await send(message)

        try:
            if scope.get("path") == METRICS_PATH and not metrics_allowed(scope):
                await _refuse_metrics(scope, tagged)
            else:
                await self.app(scope, receive, tagged)
        finally:
            self._record(scope, status, time.perf_counter() - start)
            request_id_var.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        method = str(scope.get("method", "GET"))
        method = method if method in _METHODS else "OTHER"
        route = route_of(scope)
        counted, timed = _children(method, route, status)
        counted.inc()
        timed.observe(seconds)
        if not log.isEnabledFor(logging.INFO):
            return
        # The route template, never the raw path or query: links carry tokens in the query.
        ms = round(seconds * 1000, 1)
        extra = {"method": method, "route": route, "status": status, "ms": ms}
        # makeRecord + handle is what log.info does, less the search of the stack for the
        # caller's file and line (always this function; the JSON line does not show them).
        args = (method, route, status, ms)
        record = log.makeRecord(log.name, logging.INFO, __file__, 0, _LINE, args, None, None, extra)
        log.handle(record)


def _metrics_token(scope: Scope) -> str:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return str(getattr(settings, "metrics_token", "") or "")


def metrics_allowed(scope: Scope) -> bool:
    """Tell whether a request to /metrics on the API's port carries the metrics token."""
    expected = _metrics_token(scope)
    given = header(scope, b"authorization") or ""
    return bool(expected) and hmac.compare_digest(
        given.encode("latin-1"), f"Bearer {expected}".encode("latin-1")
    )


async def _refuse_metrics(scope: Scope, send: Send) -> None:
    if not _metrics_token(scope):  # no token set: the API's port has no metrics to show
        await send_error(
            send,
            status=404,
            code="not_found",
            message="Not found (metrics are served on METROLOGY_METRICS_PORT).",
            message_vi="Không có (số liệu giám sát ở cổng METROLOGY_METRICS_PORT).",
        )
        return
    await send_error(
        send,
        status=401,
        code="unauthorized",
        message="/metrics needs the metrics token (Authorization: Bearer …).",
        message_vi="/metrics cần mã giám sát (Authorization: Bearer …).",
        headers={"WWW-Authenticate": "Bearer"},
    )


_LINE = "%s %s %d %.1f ms"
_Children = tuple[Counter, Histogram]
# The labelled children of REQUESTS and LATENCY by (method, route, status), looked up once:
# labels() validates, joins and locks on every call. Bounded: methods are the few above,
# routes are templates (or UNMATCHED), statuses the few an app answers. Nothing here removes
# or clears labels of these two metrics (a cached child would then stop being exported).
_CHILDREN: dict[tuple[str, str, int], _Children] = {}


def _children(method: str, route: str, status: int) -> _Children:
    key = (method, route, status)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = (
            REQUESTS.labels(method=method, route=route, status=str(status)),
            LATENCY.labels(method=method, route=route),
        )
    return found


ReadinessReport = Callable[[], tuple[int, dict[str, Any]]]


def serve_metrics(
    *, port: int, host: str = "127.0.0.1", readiness: ReadinessReport | None = None
) -> WSGIServer | None:
    """Serve /metrics on its own port for a process without an API (none for port 0).

    Loopback by default (settings.metrics_host): the counters say much about the traffic, and
    a scraper elsewhere is a deliberate choice. With `readiness` (status, body), the port also
    answers /readyz, and /healthz, for probes of a process that has no API.
    """
    if not port:
        return None
    # The family (IPv4 or IPv6) is the address's: WSGIServer alone would take IPv4 only.
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _kind, _proto, _name, sockaddr = found[0]

    class Server(ThreadingMixIn, WSGIServer):
        address_family = family
        daemon_threads = True

    server = make_server(
        str(sockaddr[0]), port, _metrics_app(readiness), Server, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    log.info("metrics on http://%s:%d/metrics", host, port)
    return server


class _QuietHandler(WSGIRequestHandler):
    """No line on stderr per scrape (the scraper comes every few seconds)."""

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


def _metrics_app(readiness: ReadinessReport | None) -> "WSGIApplication":
    metrics = make_wsgi_app()

    def app(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "ok"})
        if path == "/readyz" and readiness is not None:
            return _json(start_response, *readiness())
        answer: Iterable[bytes] = metrics(environ, start_response)
        return answer  # any other path: the metrics, as prometheus_client answers

    return app


def _json(start_response: "StartResponse", status: int, body: dict[str, Any]) -> list[bytes]:
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(f"{status} {reason}", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
