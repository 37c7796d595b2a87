"""Route one rendered notice to its channel."""

import secrets
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from metrology_svc.notices.channels.email import (
    SmtpConfig,
    SmtpConnections,
    build_message,
    send_email,
)
from metrology_svc.notices.channels.letter import LetterContent, render_letter
from metrology_svc.notices.channels.mqtt import publish
from metrology_svc.notices.channels.webhook import WebhookClient, post_webhook
from metrology_svc.notices.models import Channel
from metrology_svc.notices.rules import message_id
from metrology_svc.settings import Settings


class Message(Protocol):
    """What a channel needs of a rendered notice."""

    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def letter(self) -> LetterContent | None: ...


def smtp_server(settings: Settings, recipient: str) -> tuple[str, int]:
    """Return the SMTP server (host, port) mail to a recipient goes through (routes first)."""
    route = settings.notice_smtp_routes.get(recipient.rpartition("@")[2].lower())
    if route:
        host, _, port = route.rpartition(":")
        return host.strip("[]"), int(port)
    return settings.smtp_host, settings.smtp_port


def send_host(channel: Channel, destination: str, settings: Settings) -> str:
    """Return the server an attempt talks to (the unit of the per-host concurrency limit)."""
    if channel is Channel.EMAIL:
        host, port = smtp_server(settings, destination)
        return f"smtp://{host}:{port}"
    if channel is Channel.WEBHOOK:
        parts = urlsplit(destination)
        return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"
    if channel is Channel.MQTT:
        return f"mqtt://{settings.mqtt_url}"
    return "letter://"


class Connections:
    """Connections kept open across the attempts of one dispatch run (close() at its end).

    Without them every e-mail opens its own SMTP connection and every webhook its own TCP
    (and TLS) connection, which costs more than the message itself.
    """

    def __init__(self, settings: Settings) -> None:
        self.smtp = SmtpConnections()
        self.webhooks = WebhookClient(
            timeout_s=settings.channel_timeout_s,
            allow_networks=settings.notice_webhook_allow_networks,
            max_connections=settings.notice_dispatch_workers,
        )

    def close(self) -> None:
        """Close every kept connection."""
        self.smtp.close()
        self.webhooks.close()


def letters_dir(settings: Settings) -> Path:
    """Return the folder printable letters are written to."""
    return settings.data_dir / "letters"


def send(
    channel: Channel,
    destination: str,
    message: Message,
    *,
    settings: Settings,
    secret: str,
    key: str = "",
    connections: Connections | None = None,
) -> None:
    """Send a message on a channel to a destination; raise on failure.

    With `connections`, e-mail and webhooks go over connections kept for the run; without,
    each attempt opens and closes its own.

    `key` (rules.delivery_key) is the same on every attempt: the e-mail's Message-ID and the
    webhook's Idempotency-Key, so a receiver recognises a retry of a message it already has.
    """
    timeout = settings.channel_timeout_s
    if channel is Channel.EMAIL:
        host, port = smtp_server(settings, destination)
        smtp = SmtpConfig(
            host=host,
            port=port,
            sender=settings.smtp_from,
            sender_name=settings.smtp_from_name,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout_s=timeout,
        )
        mid = message_id(key=key, sender=settings.smtp_from) if key else ""
        if connections is None:
            send_email(
                smtp, to=destination, subject=message.subject, body=message.body, message_id=mid
            )
        else:
            mail = build_message(
                smtp, to=destination, subject=message.subject, body=message.body, message_id=mid
            )
            connections.smtp.send(smtp, mail, to=destination)
    elif channel is Channel.WEBHOOK and connections is not None:
        connections.webhooks.post(
            url=destination, secret=secret, payload=message.payload, idempotency_key=key
        )
    elif channel is Channel.WEBHOOK:
        post_webhook(
            url=destination,
            secret=secret,
            payload=message.payload,
            timeout_s=timeout,
            idempotency_key=key,
            allow_networks=settings.notice_webhook_allow_networks,
        )
    elif channel is Channel.MQTT:
        publish(
            mqtt_url=settings.mqtt_url,
            topic=destination,
            payload=message.payload,
            timeout_s=timeout,
            # One client id per attempt: two attempts at once must not evict each other.
            client_id=f"metrology-notices-{secrets.token_hex(6)}",
        )
    elif channel is Channel.LETTER:
        folder = letters_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        if message.letter is None:
            raise ValueError("the notice was rendered without its letter")
        (folder / f"{destination}.pdf").write_bytes(render_letter(message.letter))
