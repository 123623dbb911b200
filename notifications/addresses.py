"""Where a webhook may point: https, and only hosts whose every address is public.

:func:`check_url` runs when an endpoint is created or its URL changed, and again before every
attempt (DNS can change after the first check); an attempt then connects to the very addresses
just checked (:func:`notifications.webhooks.post`), so a second lookup cannot swap in another
one. ``WEBHOOK_ALLOW_PRIVATE_URLS=1`` allows plain http and private or loopback addresses, for
development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workspaces.errors import InvalidError

URL_MAX_LENGTH = 2000
RESOLVE_SECONDS = 5

URL_INVALID = _("Enter a valid URL.")
URL_NOT_HTTPS = _("The URL must start with https://.")
URL_UNRESOLVED = _("The URL's host name does not resolve.")
URL_NOT_PUBLIC = _("The URL's host resolves to a private, loopback or otherwise non-public address.")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


#: special-use names (RFC 6761) that no resolver is asked about: they never name a public host
NEVER_PUBLIC_SUFFIXES = (".invalid", ".test", ".example", ".local")  # (and localhost: loopback)


def _resolve(host: str, port: int) -> tuple[str, ...]:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return ("127.0.0.1",)
    if name.endswith(NEVER_PUBLIC_SUFFIXES):
        return ()

    def lookup():
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)

    # getaddrinfo has no timeout of its own: it runs in a thread nobody waits for past the timeout
    # (a ``with`` block would wait for it on the way out)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        infos = pool.submit(lookup).result(timeout=RESOLVE_SECONDS)
    except (OSError, FutureTimeout, UnicodeError):
        return ()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return tuple(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str) -> Target:
    """The URL's target when it may be called now, else ``InvalidError`` on ``url``."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidError(URL_INVALID, field="url") from None
    if parts.scheme not in ({"https", "http"} if allow_private else {"https"}):
        raise InvalidError(URL_NOT_HTTPS, code="url_not_https", field="url")
    host = parts.hostname
    if not host or any(c.isspace() for c in url) or len(url) > URL_MAX_LENGTH:
        raise InvalidError(URL_INVALID, field="url")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not addresses:
        raise InvalidError(URL_UNRESOLVED, code="url_unresolved", field="url")
    if not allow_private and not all(is_public(address) for address in addresses):
        raise InvalidError(URL_NOT_PUBLIC, code="url_not_public", field="url")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses)
