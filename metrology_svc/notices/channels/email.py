"""E-mail over SMTP (smtplib)."""

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send mail."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout_s: float = 10.0


def send_email(
    config: SmtpConfig, *, to: str, subject: str, body: str, message_id: str = ""
) -> None:
    """Send a plain-text UTF-8 message; raise on any SMTP or network failure.

    `message_id` ("<key@domain>") is the same for every attempt of one delivery, so a retry
    after a crash at the worst moment is recognisable downstream.
    """
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(message)
