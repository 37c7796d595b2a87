"""Helpers for the pure ASGI middleware: client address and a JSON error in the common shape."""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def client_of(scope: Scope) -> str:
    """Return the client address of a request (the proxy's, unless uvicorn trusts it)."""
    client = scope.get("client")
    return str(client[0]) if client else "-"


def header(scope: Scope, name: bytes) -> str | None:
    """Return a request header (latin-1 decoded) or None."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def send_error(
    send: Send,
    *,
    status: int,
    code: str,
    message: str,
    message_vi: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> None:
    """Send a complete JSON error response in the service's one error shape."""
    error = {"code": code, "message": message, "message_vi": message_vi, "details": details or []}
    body = json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
