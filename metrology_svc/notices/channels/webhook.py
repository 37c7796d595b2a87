"""Webhook: a JSON POST signed with HMAC-SHA256 (header X-Metrology-Signature)."""

import json
from typing import Any

import httpx

from metrology_svc.notices.rules import webhook_signature

SIGNATURE_HEADER = "X-Metrology-Signature"


def post_webhook(*, url: str, secret: str, payload: dict[str, Any], timeout_s: float) -> None:
    """POST the payload; raise unless the receiver answers 2xx."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if secret:
        headers[SIGNATURE_HEADER] = webhook_signature(secret=secret, body=body)
    response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    response.raise_for_status()
