"""Webhooks cannot reach inside: refused at save and at each send, one text for every failure."""

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metrology_svc.notices.channels.webhook import (
    NO_SECRET,
    NOT_DELIVERED,
    WebhookNotDelivered,
    post_webhook,
)
from metrology_svc.notices.webhook_guard import parse_networks, refusal
from metrology_svc.settings import Settings
from tests.factories import World
from tests.metrology_svc.notices.conftest import Hook
from tests.mqtt_broker import free_port

SECRET = "a-long-shared-secret"
LOOPBACK = ["127.0.0.1/32"]

INSIDE = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.1.2.3",
    "172.16.5.4",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.1.1",
    "fd00::1",
    "fd00:ec2::254",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "0.0.0.0",  # noqa: S104 (an address refused, not bound)
    "::",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "100.64.0.1",
    "168.63.129.16",
    "64:ff9b::7f00:1",
    "2002:7f00:1::1",
]


@pytest.mark.parametrize("address", INSIDE)
def test_addresses_inside_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "203.113.131.1", "2001:4860:4860::8888"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_allow_list_lets_its_networks_through() -> None:
    allow = parse_networks(["127.0.0.1/32", "10.20.0.0/16"])
    assert refusal(ipaddress.ip_address("127.0.0.1"), allow=allow) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allow=allow) is None
    assert refusal(ipaddress.ip_address("10.20.3.4"), allow=allow) is None
    assert refusal(ipaddress.ip_address("127.0.0.2"), allow=allow) is not None
    assert refusal(ipaddress.ip_address("10.21.0.1"), allow=allow) is not None


def _post(url: str, *, allow: list[str], secret: str = SECRET) -> None:
    post_webhook(
        url=url,
        secret=secret,
        payload={"kind": "overdue_recall"},
        timeout_s=2.0,
        idempotency_key="k-1",
        allow_networks=allow,
    )


def _failure(url: str, *, allow: list[str], secret: str = SECRET) -> str:
    with pytest.raises(WebhookNotDelivered) as caught:
        _post(url, allow=allow, secret=secret)
    assert caught.value.__cause__ is None
    return f"{type(caught.value).__name__}: {caught.value}"  # as the ledger records it


def test_a_refused_address_reads_the_same_as_a_closed_port(
    webhook: Callable[[list[int]], Hook],
) -> None:
    hook = webhook([200])
    port = hook.server.server_address[1]
    closed = free_port()
    refused_open = _failure(f"http://127.0.0.1:{port}/hook", allow=[])
    refused_closed = _failure(f"http://127.0.0.1:{closed}/hook", allow=[])
    allowed_closed = _failure(f"http://127.0.0.1:{closed}/hook", allow=LOOPBACK)
    unresolved = _failure("http://no-such-host.invalid/hook", allow=[])
    assert refused_open == refused_closed == allowed_closed == unresolved
    assert refused_open == f"WebhookNotDelivered: {NOT_DELIVERED}"
    assert str(port) not in refused_open
    assert hook.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:{port}/hook",
        "http://[::1]:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://10.0.0.1:{port}/hook",
        "http://172.16.0.1:{port}/hook",
        "http://192.168.0.1:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]:{port}/hook",
    ],
)
def test_each_send_refuses_inside_addresses_without_connecting(
    url: str, webhook: Callable[[list[int]], Hook]
) -> None:
    hook = webhook([200])
    target = url.format(port=hook.server.server_address[1])
    assert _failure(target, allow=[]) == f"WebhookNotDelivered: {NOT_DELIVERED}"
    assert hook.requests == []


def test_an_allowed_receiver_gets_a_signed_post(webhook: Callable[[list[int]], Hook]) -> None:
    hook = webhook([200])
    _post(hook.url, allow=LOOPBACK)
    [(headers, _body)] = hook.requests
    assert headers["x-metrology-signature"].startswith("sha256=")
    assert headers["idempotency-key"] == "k-1"
    assert headers["host"] == f"127.0.0.1:{hook.server.server_address[1]}"


def test_an_unsigned_webhook_is_never_sent(webhook: Callable[[list[int]], Hook]) -> None:
    hook = webhook([200])
    assert _failure(hook.url, allow=LOOPBACK, secret="") == f"WebhookNotDelivered: {NO_SECRET}"
    assert hook.requests == []


def test_non_http_schemes_are_refused(webhook: Callable[[list[int]], Hook]) -> None:
    hook = webhook([200])
    port = hook.server.server_address[1]
    assert _failure(f"file:///etc/passwd#{port}", allow=LOOPBACK).endswith(NOT_DELIVERED)


class Redirector:
    """A receiver that answers every POST with a redirect to another address."""

    def __init__(self, location: str) -> None:
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.hits += 1
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(307)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redirect_to_inside(webhook: Callable[[list[int]], Hook]) -> Iterator[tuple[Redirector, Hook]]:
    """An allowed receiver (127.0.0.1) redirecting to a receiver on another loopback name."""
    inside = webhook([200])
    redirector = Redirector(f"http://localhost:{inside.server.server_address[1]}/hook")
    yield redirector, inside
    redirector.close()


def test_a_redirect_is_a_failure_and_is_not_followed(
    redirect_to_inside: tuple[Redirector, Hook],
) -> None:
    redirector, inside = redirect_to_inside
    text = _failure(redirector.url, allow=LOOPBACK)
    assert "HTTP 307" in text
    assert redirector.hits == 1
    assert inside.requests == []


def test_a_name_is_resolved_once_and_the_checked_address_is_used(
    webhook: Callable[[list[int]], Hook], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebinding DNS server answers the check with one address and the connection with another:
    the connection never asks again."""
    hook = webhook([200])
    port = hook.server.server_address[1]
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])
    calls: list[str] = []

    def rebinding(host: str, *_args: Any, **_kw: Any) -> list[Any]:
        try:  # an address is its own answer, as getaddrinfo gives it (no lookup)
            addr = str(ipaddress.IPv4Address(host))
        except ValueError:
            calls.append(host)
            addr = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _post(f"http://receiver.example:{port}/hook", allow=LOOPBACK)
    assert calls == ["receiver.example"]
    [(headers, _body)] = hook.requests
    assert headers["host"] == f"receiver.example:{port}"  # the name kept in the request


OWNER_URL = "/api/v1/notices/preferences/{owner}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with an office network allowed instead of loopback."""
    return settings.model_copy(update={"notice_webhook_allow_networks": ["10.20.0.0/16"]})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.9/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::5]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost:8000/hook",
    ],
)
def test_saving_an_inside_webhook_is_refused(client: TestClient, world: World, url: str) -> None:
    saved = client.put(
        OWNER_URL.format(owner=world.owner_vi),
        json={"webhook_url": url, "webhook_secret": SECRET},
        headers=world.auth("admin"),
    )
    assert saved.status_code == 422, saved.text
    assert "webhook" in saved.json()["error"]["message_vi"].lower()


def test_a_webhook_needs_a_secret_at_save(client: TestClient, world: World) -> None:
    url, auth = OWNER_URL.format(owner=world.owner_vi), world.auth("admin")
    public = "https://8.8.8.8/hook"
    refused = client.put(url, json={"webhook_url": public}, headers=auth)
    assert refused.status_code == 422, refused.text
    assert "khóa bí mật" in refused.json()["error"]["message_vi"]
    assert client.put(url, json={"webhook_url": public, "webhook_secret": SECRET}, headers=auth)
    kept = client.put(url, json={"webhook_url": public}, headers=auth)  # the stored secret
    assert kept.status_code == 200, kept.text
    assert kept.json()["has_webhook_secret"] is True


def test_the_allow_list_is_honoured_at_save(client: TestClient, world: World) -> None:
    saved = client.put(
        OWNER_URL.format(owner=world.owner_vi),
        json={"webhook_url": "http://10.20.1.2:8080/hook", "webhook_secret": SECRET},
        headers=world.auth("admin"),
    )
    assert saved.status_code == 200, saved.text
