"""In-process token buckets per client: public stamp checks, acknowledgement links, bad tokens."""

import threading
import time
from collections.abc import Callable

from metrology_svc.core.asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    client_of,
    header,
    send_error,
)

# Past this many clients, buckets that have refilled are forgotten (they equal a new bucket).
MAX_CLIENTS = 50_000


class TokenBuckets:
    """Allow `burst` requests at once per client, refilled at `rate` a second."""

    def __init__(
        self, *, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, float(burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Take one token from the client's bucket; tell whether there was one."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget_full(now)
            return allowed

    def available(self, client: str) -> bool:
        """Tell whether the client has a token now, without taking it."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate) >= 1.0

    def retry_after(self, client: str) -> int:
        """Return the whole seconds until the client has a token again."""
        with self._lock:
            tokens, _last = self._buckets.get(client, (self.burst, 0.0))
        return max(1, int((1.0 - tokens) / self.rate + 0.999)) if self.rate > 0 else 60

    def _forget_full(self, now: float) -> None:
        full = [
            c
            for c, (t, last) in self._buckets.items()
            if t + (now - last) * self.rate >= self.burst
        ]
        for client in full:
            del self._buckets[client]


ACK_PATH = "/api/v1/notices/ack"
ACK_PAGE_PREFIX = "/xn/"  # the acknowledgement page a notice's short link opens
# Form logins (web pages) present credentials in the body: a 401 there is a failed guess too.
LOGIN_PATHS = frozenset({"/web/login"})


class RateLimitMiddleware:
    """Throttle acknowledgement links per client, and clients that keep sending bad tokens.

    A 401 answered to a request that carried credentials (an Authorization header, or a form
    login) takes a token from the client's failure bucket. Once it is empty, until it refills,
    the client's password logins get 429 before the password is checked, and any API request
    of theirs that would be answered 401 gets 429 instead; a request with a valid token is
    answered as usual, so one guesser behind an office's shared address locks nobody out of
    the API. Requests without credentials do not count. The client is the address uvicorn
    settled on (scope["client"]): the TCP peer, unless METROLOGY_FORWARDED_ALLOW_IPS trusts it
    to name another in X-Forwarded-For. Per-account login limits live with the login page.
    """

    def __init__(self, app: ASGIApp, *, ack: TokenBuckets, auth_failures: TokenBuckets) -> None:
        self.app, self.ack, self.auth_failures = app, ack, auth_failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or pass the request, and count its 401 when it presented credentials."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client, path = client_of(scope), str(scope.get("path", ""))
        login = path in LOGIN_PATHS and scope.get("method") == "POST"
        throttled = not self.auth_failures.available(client)
        if login and throttled:
            await _too_many(send, self.auth_failures.retry_after(client))
            return
        acking = path == ACK_PATH or path.startswith(ACK_PAGE_PREFIX)
        if acking and not self.ack.allow(client):
            await _too_many(send, self.ack.retry_after(client))
            return
        if not login and header(scope, b"authorization") is None:
            await self.app(scope, receive, send)
            return
        refused = False

        async def counting(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.auth_failures.allow(client)
                if throttled and path.startswith("/api/"):
                    refused = True  # the 401's body that follows is dropped
                    await _too_many(send, self.auth_failures.retry_after(client))
                    return
            if not refused:
                await send(message)

        await self.app(scope, receive, counting)


async def _too_many(send: Send, retry_after: int) -> None:
    await send_error(
        send,
        status=429,
        code="rate_limited",
        message="Too many requests; try again later.",
        message_vi="Quá nhiều yêu cầu; vui lòng thử lại sau.",
        headers={"Retry-After": str(retry_after)},
    )
