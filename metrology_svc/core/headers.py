"""Security headers on every answer: what a browser may load, frame, sniff or refer.

The pages load their scripts and styles from the service itself (`/web/static/…`) and hold no
inline script (the JSON data blocks they carry are not executed), so the policy allows scripts
from 'self' only. Inline styles stay allowed: several pages size bars and columns with a style
attribute, which cannot run code. Nothing may frame a page (clickjacking), a response's type is
never sniffed, and a page never sends its address (which may hold a stamp code) to another
site. FastAPI's own /docs and /redoc pages carry an inline script and load their assets from a
CDN: they get the same headers without the content policy.
"""

from metrology_svc.core.asgi import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
COMMON: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
WITH_POLICY = (*COMMON, (b"content-security-policy", POLICY.encode()))
NO_POLICY_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the answer's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        added = COMMON if path.startswith(NO_POLICY_PATHS) else WITH_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {bytes(k).lower() for k, _ in headers}
                headers.extend((k, v) for k, v in added if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
