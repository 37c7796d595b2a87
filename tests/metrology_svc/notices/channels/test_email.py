"""E-mail over kept SMTP connections: each message once, a closed connection replaced."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from metrology_svc.notices.channels.email import SmtpConfig, SmtpConnections, build_message
from tests.metrology_svc.notices.conftest import Mailbox, SmtpServer
from tests.mqtt_broker import free_port


def config(port: int) -> SmtpConfig:
    """Where the test's server listens."""
    return SmtpConfig(host="127.0.0.1", port=port, sender="tdc@example.vn", timeout_s=5)


def send(pool: SmtpConnections, smtp: SmtpConfig, n: int, *, to: str = "ho@example.vn") -> None:
    """Send message number n."""
    message = build_message(smtp, to=to, subject=f"Thông báo {n}", body=f"Nội dung {n}")
    pool.send(smtp, message, to=to)


def subjects(mailbox: Mailbox) -> list[str]:
    """The subjects of the messages received, in order (decoded as a mail client does)."""
    return [
        str(message_from_bytes(content, policy=policy.default)["Subject"])
        for *_, content in mailbox.messages
    ]


@contextmanager
def serving(handler: Mailbox) -> Iterator[int]:
    """Run aiosmtpd with a handler on loopback; yield its port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_many_messages_go_over_one_kept_connection(smtp: SmtpServer) -> None:
    smtp.start()
    pool = SmtpConnections(max_messages=100)
    for n in range(30):
        send(pool, config(smtp.port), n)
    pool.close()
    assert len(smtp.mailbox.messages) == 30
    assert pool.opened == 1


def test_a_connection_serves_at_most_max_messages(smtp: SmtpServer) -> None:
    smtp.start()
    pool = SmtpConnections(max_messages=10)
    for n in range(25):
        send(pool, config(smtp.port), n)
    pool.close()
    assert (len(smtp.mailbox.messages), pool.opened) == (25, 3)


def test_a_connection_the_server_closed_is_replaced_and_the_message_sent_once(
    smtp: SmtpServer,
) -> None:
    smtp.start()
    pool = SmtpConnections()
    send(pool, config(smtp.port), 1)
    smtp.stop()  # the server goes away with the kept connection, and comes back
    smtp.start()
    send(pool, config(smtp.port), 2)
    pool.close()
    assert subjects(smtp.mailbox) == ["Thông báo 1", "Thông báo 2"]
    assert pool.opened == 2


class ClosingAfterOne(Mailbox):
    """Takes one message per connection, then answers MAIL with 421 (closing), as some do."""

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        taken = getattr(session, "taken", 0)
        if taken:
            return "421 4.7.0 too many messages on this connection"
        session.taken = 1
        envelope.mail_from = address
        return "250 OK"


def test_a_421_at_mail_on_a_kept_connection_goes_to_a_new_one() -> None:
    mailbox = ClosingAfterOne()
    with serving(mailbox) as port:
        pool = SmtpConnections()
        for n in range(3):
            send(pool, config(port), n)
        pool.close()
    assert subjects(mailbox) == ["Thông báo 0", "Thông báo 1", "Thông báo 2"]
    assert pool.opened == 3


class RefusingData(Mailbox):
    """Refuses every message at the end of DATA."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await super().handle_DATA(server, session, envelope)
        return "554 5.6.0 refused"


def test_a_failure_after_data_is_not_sent_again_and_the_connection_is_dropped() -> None:
    mailbox = RefusingData()
    with serving(mailbox) as port:
        pool = SmtpConnections()
        for n in range(2):
            with pytest.raises(Exception, match="refused"):
                send(pool, config(port), n)
        pool.close()
    # Each message reached the server once (then was refused); none was tried twice.
    assert len(mailbox.messages) == 2
    assert pool.opened == 2


def test_threads_share_connections_never_more_than_send_at_once(smtp: SmtpServer) -> None:
    smtp.start()
    pool = SmtpConnections(max_messages=1_000)
    with ThreadPoolExecutor(4) as threads:
        list(threads.map(lambda n: send(pool, config(smtp.port), n), range(200)))
    pool.close()
    assert sorted(subjects(smtp.mailbox)) == sorted(f"Thông báo {n}" for n in range(200))
    assert 1 <= pool.opened <= 4
