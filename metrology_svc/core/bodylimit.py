"""Refuse request bodies over the limit with 413, from Content-Length or while they stream."""

from metrology_svc.core.asgi import ASGIApp, Message, Receive, Scope, Send, header, send_error

# Multipart uploads carry their file plus boundaries and fields; their own route checks the
# exact file size, this is the backstop.
MULTIPART_SLACK = 1024 * 1024


class BodyTooLarge(Exception):
    """Raised into the application when the streamed body passes the limit."""


class BodyLimitMiddleware:
    """Cap JSON and other bodies at `max_body`, multipart uploads at `max_upload` (+ slack)."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload + MULTIPART_SLACK

    def _limit(self, scope: Scope) -> int:
        kind = (header(scope, b"content-type") or "").lower()
        return self.max_upload if kind.startswith("multipart/form-data") else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, answering 413 as soon as its body is known to be too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = (header(scope, b"content-length") or "").strip()
        if not declared and header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body at all (most GETs): nothing to count
            return
        limit = self._limit(scope)
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app turned our exception into its own error: answer 413 instead
                if not started and message["type"] == "http.response.start":
                    started = True
                    await _refuse(send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            if not started:
                await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    await send_error(
        send,
        status=413,
        code="payload_too_large",
        message=f"The request body is larger than {limit} bytes.",
        message_vi=f"Nội dung yêu cầu lớn hơn {limit} byte.",
    )
