"""Route one rendered notice to its channel."""

from pathlib import Path
from typing import Any, Protocol

from metrology_svc.notices.channels.email import SmtpConfig, send_email
from metrology_svc.notices.channels.letter import LetterContent, render_letter
from metrology_svc.notices.channels.mqtt import publish
from metrology_svc.notices.channels.webhook import post_webhook
from metrology_svc.notices.models import Channel
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
    def letter(self) -> LetterContent: ...


def letters_dir(settings: Settings) -> Path:
    """Return the folder printable letters are written to."""
    return settings.data_dir / "letters"


def send(
    channel: Channel, destination: str, message: Message, *, settings: Settings, secret: str
) -> None:
    """Send a message on a channel to a destination; raise on failure."""
    timeout = settings.channel_timeout_s
    if channel is Channel.EMAIL:
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout_s=timeout,
        )
        send_email(smtp, to=destination, subject=message.subject, body=message.body)
    elif channel is Channel.WEBHOOK:
        post_webhook(url=destination, secret=secret, payload=message.payload, timeout_s=timeout)
    elif channel is Channel.MQTT:
        publish(
            mqtt_url=settings.mqtt_url,
            topic=destination,
            payload=message.payload,
            timeout_s=timeout,
            client_id=f"metrology-notices-{id(message)}",
        )
    elif channel is Channel.LETTER:
        folder = letters_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{destination}.pdf").write_bytes(render_letter(message.letter))
