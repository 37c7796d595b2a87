"""Webhook: a JSON POST signed with HMAC-SHA256 (header X-Metrology-Signature), public only.

The POST goes through httpcore with a backend that resolves the name once, checks every
address (notices/webhook_guard.py) and connects to the checked one; redirects are never
followed (a 3xx is a failure) and no proxy from the environment is used. Whatever stopped a
POST before an answer (a refused address, a closed port, a timeout, a name that does not
resolve) reads the same to the caller and in the ledger, so the error text maps nothing; the
detail goes to the server's debug log.
"""

import json
import logging
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore

from metrology_svc.notices.rules import webhook_signature
from metrology_svc.notices.webhook_guard import SCHEMES, GuardedBackend, parse_networks

SIGNATURE_HEADER = "X-Metrology-Signature"
NOT_DELIVERED = "webhook not delivered / không gửi được webhook"
NO_SECRET = "webhook not delivered: no secret set / không gửi được webhook: chưa đặt khóa bí mật"

log = logging.getLogger(__name__)


class WebhookNotDelivered(Exception):
    """The webhook was not delivered (the message is safe to show and store)."""


class WebhookClient:
    """Webhook POSTs over kept-alive connections: one httpcore pool, shared by threads.

    Every new connection goes through the guard (resolve, check, connect to the checked
    address); a kept one goes only to an address checked when it was opened. An answer's body
    is read (at most `MAX_BODY` bytes, within the timeout) so its connection can serve the
    next POST; a longer or slower body closes the connection instead.
    """

    MAX_BODY = 64 * 1024

    def __init__(
        self, *, timeout_s: float, allow_networks: Sequence[str] = (), max_connections: int = 64
    ) -> None:
        self.timeout_s = timeout_s
        self._pool = httpcore.ConnectionPool(
            network_backend=GuardedBackend(allow=parse_networks(allow_networks)),
            retries=0,
            max_connections=max_connections,
            keepalive_expiry=20.0,
        )

    def post(
        self, *, url: str, secret: str, payload: dict[str, Any], idempotency_key: str = ""
    ) -> None:
        """POST the payload to a public receiver; raise WebhookNotDelivered unless it answers 2xx.

        `idempotency_key` is the same for every attempt of one delivery (header
        Idempotency-Key). An unsigned webhook is never sent.
        """
        if not secret:
            raise WebhookNotDelivered(NO_SECRET)
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: webhook_signature(secret=secret, body=body),
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            status = self._post(url, body=body, headers=headers)
        except Exception as exc:  # every failure before an answer reads the same
            log.debug("webhook to %s not delivered: %r", urlsplit(url).hostname, exc)
            raise WebhookNotDelivered(NOT_DELIVERED) from None
        if not 200 <= status < 300:
            # Only a checked, allowed address answers at all: its status maps nothing inside.
            raise WebhookNotDelivered(
                f"webhook not delivered (HTTP {status}) / không gửi được webhook (HTTP {status})"
            )

    def _post(self, url: str, *, body: bytes, headers: dict[str, str]) -> int:
        if urlsplit(url).scheme not in SCHEMES:
            raise ValueError(f"scheme of {url!r} is not http or https")
        t = self.timeout_s
        with self._pool.stream(
            "POST",
            url,
            headers=list(headers.items()),
            content=body,
            extensions={"timeout": {"connect": t, "read": t, "write": t, "pool": t}},
        ) as response:
            status = response.status
            # A receiver cannot make us buffer or wait: past the bound the connection closes.
            until, read = time.monotonic() + t, 0
            for chunk in response.iter_stream():
                read += len(chunk)
                if read > self.MAX_BODY or time.monotonic() > until:
                    break
            return status

    def close(self) -> None:
        """Close every kept connection."""
        self._pool.close()


def post_webhook(
    *,
    url: str,
    secret: str,
    payload: dict[str, Any],
    timeout_s: float,
    idempotency_key: str = "",
    allow_networks: Sequence[str] = (),
) -> None:
    """POST one webhook on a connection of its own (see WebhookClient.post).

    `allow_networks` (CIDRs) lets addresses inside through.
    """
    client = WebhookClient(timeout_s=timeout_s, allow_networks=allow_networks, max_connections=1)
    try:
        client.post(url=url, secret=secret, payload=payload, idempotency_key=idempotency_key)
    finally:
        client.close()
