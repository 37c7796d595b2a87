"""Webhook: a JSON POST signed with HMAC-SHA256 (header X-Metrology-Signature)."""

import json
from typing import Any

import httpx

from metrology_svc.notices.rules import webhook_signature

SIGNATURE_HEADER = "X-Metrology-Signature"


def post_webhook(
    *,
    url: str,
    secret: str,
    payload: dict[str, Any],
    timeout_s: float,
    idempotency_key: str = "",
) -> None:
    """POST the payload; raise unless the receiver answers 2xx.

    `idempotency_key` is the same for every attempt of one delivery (header Idempotency-Key).
    """
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    if secret:
        headers[SIGNATURE_HEADER] = webhook_signature(secret=secret, body=body)
    response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    response.raise_for_status()
