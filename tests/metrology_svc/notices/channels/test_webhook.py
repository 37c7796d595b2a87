"""Webhooks over kept-alive connections: reused, bounded, still checked."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from metrology_svc.notices.channels.webhook import WebhookClient, WebhookNotDelivered

SECRET = "s" * 16
LOOPBACK = ["127.0.0.1/32"]


class KeepAlive:
    """An HTTP/1.1 receiver answering 200 with a body of `body_size` bytes; counts connections."""

    def __init__(self, body_size: int = 2) -> None:
        self.peers: set[tuple[str, int]] = set()
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.peers.add(self.client_address)
                receiver.posts += 1
                self.send_response(200)
                self.send_header("Content-Length", str(body_size))
                self.end_headers()
                self.wfile.write(b"x" * body_size)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[KeepAlive]:
    """A keep-alive receiver with a short answer."""
    server = KeepAlive()
    yield server
    server.close()


def test_posts_reuse_a_kept_connection(receiver: KeepAlive) -> None:
    client = WebhookClient(timeout_s=5, allow_networks=LOOPBACK)
    for n in range(20):
        client.post(url=receiver.url, secret=SECRET, payload={"n": n})
    client.close()
    assert receiver.posts == 20
    assert len(receiver.peers) == 1


def test_a_long_answer_is_not_read_past_the_bound_and_its_connection_is_closed() -> None:
    server = KeepAlive(body_size=WebhookClient.MAX_BODY * 4)
    try:
        client = WebhookClient(timeout_s=5, allow_networks=LOOPBACK)
        for n in range(3):
            client.post(url=server.url, secret=SECRET, payload={"n": n})
        client.close()
    finally:
        server.close()
    assert server.posts == 3
    assert len(server.peers) == 3  # not reused: the rest of the answer was never read


def test_a_kept_client_still_refuses_inside_addresses(receiver: KeepAlive) -> None:
    client = WebhookClient(timeout_s=5)  # no allow-list: loopback is inside
    with pytest.raises(WebhookNotDelivered):
        client.post(url=receiver.url, secret=SECRET, payload={})
    client.close()
    assert receiver.posts == 0
