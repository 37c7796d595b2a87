"""Webhooks reach public addresses only: checked when saved and at each connection.

A webhook URL is the owner's to choose, so without this the server would POST wherever it is
told (its own loopback, the office network, a cloud metadata service) and its error text would
map which ports are open. The check runs on the addresses a name resolves to, and the
connection goes to the very address that was checked (no second lookup a rebinding DNS server
could answer differently). Addresses in the allow-list setting (e.g. a receiver inside the
office, or loopback in tests) pass.
"""

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpcore

from metrology_svc.core.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
# Cloud metadata and platform services; some sit on public addresses (Azure's wire server,
# Alibaba's metadata) and pass every other test.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "168.63.129.16",
        "100.100.100.200",
        "192.0.0.192",
        "fd00:ec2::254",
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_KINDS = ("loopback", "private", "link_local", "multicast", "reserved", "unspecified")


class WebhookRefused(Exception):
    """The address may not receive webhooks (the text is for the server's log only)."""


class Unresolved(WebhookRefused):
    """The name does not resolve (now)."""


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Return the allow-list setting as networks (a bare address is a one-address network)."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # 6to4 and NAT64 addresses carry an IPv4 address a gateway may deliver to.
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, *, allow: Sequence[Network] = ()) -> str | None:
    """Return why an address may not receive webhooks, or None if it may."""
    plain: IPAddress = ip
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        plain = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(plain in net for net in allow):
        return None
    if plain in METADATA:
        return "cloud metadata"
    for kind in _KINDS:
        if getattr(plain, f"is_{kind}"):
            return kind.replace("_", "-")
    if isinstance(plain, ipaddress.IPv6Address):
        if plain.is_site_local:
            return "site-local"
        inner = _embedded_v4(plain)
        if inner is not None and refusal(inner) is not None:
            return f"embeds {inner}"
    return None if plain.is_global else "not global"


def resolve_checked(host: str, port: int, *, allow: Sequence[Network]) -> list[IPAddress]:
    """Resolve a host once; return its addresses, or raise WebhookRefused if any is refused.

    One refused address refuses the name: a name that also points inside is not a receiver.
    """
    try:
        found: list[IPAddress] = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Unresolved(f"{host}: does not resolve ({exc})") from exc
        found = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not found:
        raise WebhookRefused(f"{host}: no address")
    for ip in found:
        why = refusal(ip, allow=allow)
        if why is not None:
            raise WebhookRefused(f"{host} resolves to {ip} ({why})")
    return found


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to checked addresses.

    httpcore asks for (host, port) and later wraps the stream in TLS with the URL's host as
    server name, and the Host header comes from the URL: connecting to the checked IP here
    keeps both, so certificates are still verified against the name.
    """

    def __init__(self, *, allow: Sequence[Network]) -> None:
        self.allow = tuple(allow)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve, check, and connect to the first checked address that answers."""
        try:
            addresses = resolve_checked(host, port, allow=self.allow)
        except WebhookRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        failure: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


def check_webhook(*, url: str | None, secret: str | None, allow_networks: Sequence[str]) -> None:
    """Refuse (422) a webhook without a secret, or whose address is not public.

    A name that does not resolve now is accepted: every send checks again.
    """
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise Invalid(
            "A webhook address must be an http or https URL.",
            message_vi="Địa chỉ webhook phải là URL http hoặc https.",
            loc=["body", "webhook_url"],
        )
    if not secret:
        raise Invalid(
            "A webhook needs a secret (at least 16 characters) to sign what it receives.",
            message_vi="Webhook cần khóa bí mật (ít nhất 16 ký tự) để ký nội dung gửi đi.",
            loc=["body", "webhook_secret"],
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        resolve_checked(parts.hostname, port, allow=parse_networks(allow_networks))
    except Unresolved:
        return
    except WebhookRefused:
        raise Invalid(
            "A webhook must reach a public address (not this server, the office network or "
            "a cloud metadata service).",
            message_vi="Webhook phải trỏ tới địa chỉ công cộng (không phải máy chủ này, mạng "
            "nội bộ hay dịch vụ metadata của đám mây).",
            loc=["body", "webhook_url"],
        ) from None
