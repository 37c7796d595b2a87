"""Refuse JSON request bodies that hold NaN, Infinity, -Infinity or a number beyond a float.

Python's json reads `NaN`, `Infinity` and `-Infinity` (and turns `1e400` into inf); Starlette
and FastAPI pass them on, and a float field with only `gt=0` accepts infinity. A pure ASGI
middleware sees every route's body once, before any handler: it answers 422 in the service's
error shape, naming the path of each offending value (`["body", "points", 1, "indicated"]`).

Only requests with a body FastAPI would read as JSON are read (no body: passed straight on, so
the public stamp check never waits for it). The body is read through the body-limit middleware
outside this one, which still answers 413 for an oversized body; the app then receives the same
bytes. A body that is not valid JSON is passed on untouched for FastAPI to refuse.
"""

import json
import math
import re
from typing import Any

from metrology_svc.core.asgi import ASGIApp, Message, Receive, Scope, Send, header, send_error

# A non-finite float can only come from these literals, an exponent of three digits or more,
# or a run of at least 100 digits (below both, |x| < 10^199): anything else skips the walk.
_SUSPECT = re.compile(rb"NaN|Infinity|[eE][+-]?[0-9]{3}|[0-9]{100}")
MAX_REPORTED = 20


def _is_json(scope: Scope) -> bool:
    kind = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if not kind:
        return True  # a handler may still call request.json() on it
    main, _, sub = kind.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _has_body(scope: Scope) -> bool:
    declared = (header(scope, b"content-length") or "").strip()
    chunked = header(scope, b"transfer-encoding") is not None
    return chunked or (declared not in ("", "0"))


def non_finite_paths(document: Any, *, limit: int = MAX_REPORTED) -> list[list[str | int]]:
    """Return the paths of the NaN and ±infinite floats in a decoded JSON document."""
    found: list[list[str | int]] = []
    stack: list[tuple[list[str | int], Any]] = [([], document)]
    while stack and len(found) < limit:  # a loop, not recursion: nesting depth is the client's
        path, node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            found.append(path)
        elif isinstance(node, dict):
            stack.extend(([*path, str(k)], v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(([*path, i], v) for i, v in reversed(list(enumerate(node))))
    return found


def offending_paths(body: bytes) -> list[list[str | int]]:
    """Return where a JSON body holds non-finite numbers (none if it is not JSON at all)."""
    utf8 = json.detect_encoding(body) in ("utf-8", "utf-8-sig")
    if utf8 and not _SUSPECT.search(body):
        return []
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return []  # not JSON: FastAPI answers for it
    return non_finite_paths(document)


async def _refuse(send: Send, paths: list[list[str | int]]) -> None:
    details = [
        {"loc": ["body", *p], "msg": "Input should be a finite number", "type": "finite_number"}
        for p in paths
    ]
    await send_error(
        send,
        status=422,
        code="invalid",
        message="Numbers must be finite: NaN, Infinity and -Infinity are not accepted.",
        message_vi="Số phải hữu hạn: không nhận NaN, Infinity hay -Infinity.",
        details=details,
    )


class FiniteJsonMiddleware:
    """Answer 422 for a JSON body holding a non-finite number; pass everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read a JSON body whole, refuse it if it holds NaN or ±Infinity, else replay it."""
        if scope["type"] != "http" or not _has_body(scope) or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        complete = messages[-1]["type"] == "http.request"
        if complete:
            paths = offending_paths(b"".join(m.get("body", b"") for m in messages))
            if paths:
                await _refuse(send, paths)
                return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
