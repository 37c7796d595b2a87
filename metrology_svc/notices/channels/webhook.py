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


def post_webhook(
    *,
    url: str,
    secret: str,
    payload: dict[str, Any],
    timeout_s: float,
    idempotency_key: str = "",
    allow_networks: Sequence[str] = (),
) -> None:
    """POST the payload to a public receiver; raise WebhookNotDelivered unless it answers 2xx.

    `idempotency_key` is the same for every attempt of one delivery (header Idempotency-Key).
    An unsigned webhook is never sent. `allow_networks` (CIDRs) lets addresses inside through.
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
        status = _post(url, body=body, headers=headers, timeout_s=timeout_s, allow=allow_networks)
    except Exception as exc:  # every failure before an answer reads the same
        log.debug("webhook to %s not delivered: %r", urlsplit(url).hostname, exc)
        raise WebhookNotDelivered(NOT_DELIVERED) from None
    if not 200 <= status < 300:
        # Only a checked, allowed address answers at all: its status maps nothing inside.
        raise WebhookNotDelivered(
            f"webhook not delivered (HTTP {status}) / không gửi được webhook (HTTP {status})"
        )


def _post(
    url: str, *, body: bytes, headers: dict[str, str], timeout_s: float, allow: Sequence[str]
) -> int:
    if urlsplit(url).scheme not in SCHEMES:
        raise ValueError(f"scheme of {url!r} is not http or https")
    timeouts = {"connect": timeout_s, "read": timeout_s, "write": timeout_s, "pool": timeout_s}
    backend = GuardedBackend(allow=parse_networks(allow))
    with (
        httpcore.ConnectionPool(network_backend=backend, retries=0) as pool,
        pool.stream(
            "POST",
            url,
            headers=list(headers.items()),
            content=body,
            extensions={"timeout": timeouts},
        ) as response,
    ):
        return response.status  # the body is not read: a receiver cannot make us buffer it
