"""The failed-login counter: one count for the API's ``auth/token`` and the admin's login page.

Failures are counted per address and per (address, email). Counting per (address, email) means
one attacker cannot lock a victim out from the victim's own address; the looser per-address
limit stops one address spraying many emails. Behind proxies that append to ``X-Forwarded-For``
(``TRUSTED_PROXY_COUNT``) the address is the entry they appended, so that everyone behind the
proxy does not share one count.

Counts live in the shared cache (Redis when REDIS_URL is set, else the database). Each attempt
is counted before the secret is checked (atomically: Redis's INCR, or an advisory lock around
the database cache's read and write), and given back unless the secret turns out wrong (the
password, or the one-time code), so a burst of parallel guesses gets no more tries than the limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction

WINDOW_SECONDS = 15 * 60


def _limits() -> tuple[int, int]:
    per_pair = getattr(settings, "LOGIN_FAILURES_PER_EMAIL", 5)
    per_address = getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 50)
    return per_pair, per_address


def client_address(request) -> str:
    """The peer's address or, with ``TRUSTED_PROXY_COUNT`` proxies in front, the entry of
    X-Forwarded-For the outermost of them appended (the entries before it are the client's word)."""
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops > 0 and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _keys(request, email: str) -> tuple[str, str]:
    address = client_address(request)
    pair = hashlib.sha256(f"{address}|{email.strip().lower()}".encode()).hexdigest()
    return f"login-fail:pair:{pair}", f"login-fail:addr:{hashlib.sha256(address.encode()).hexdigest()}"


@contextlib.contextmanager
def _serialized(key: str):
    """Make a count's read-and-write one step. Redis's INCR is atomic; the database cache's incr
    is a read then a write, so it runs under a transaction-scoped advisory lock on the key."""
    if not isinstance(caches["default"], DatabaseCache):
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        yield


def count_attempt(key: str, limit: int, window: int = WINDOW_SECONDS) -> int:
    """Count one attempt in ``key``'s window; the seconds to wait when it is over ``limit``, else 0."""
    now = time.time()
    with _serialized(key):
        cache.add(f"{key}:since", now, window)  # the window starts at its first attempt
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window)
            count = 1
    if count <= limit:
        return 0
    since = cache.get(f"{key}:since") or now
    return max(0, int(since + window - now))


def _give_back(key: str) -> None:
    with _serialized(key), contextlib.suppress(ValueError):  # ValueError: the window ended meanwhile
        cache.decr(key)


class LoginThrottledError(Exception):
    """Too many failed logins from this address (for this email): try again in ``wait`` seconds."""

    def __init__(self, wait: int):
        super().__init__(f"retry in {wait} s")
        self.wait = wait


@dataclass
class LoginAttempt:
    failed: bool = False

    def fail(self) -> None:
        """The secret was wrong: the attempt keeps its count."""
        self.failed = True


@contextlib.contextmanager
def login_attempt(request, email: str):
    """Count one try at a login, the API's or the admin's; raises :class:`LoginThrottledError` when
    over the limit. The count is given back when the block ends without ``attempt.fail()``."""
    pair_key, address_key = _keys(request, email or "")
    per_pair, per_address = _limits()
    wait = max(count_attempt(pair_key, per_pair), count_attempt(address_key, per_address))
    attempt = LoginAttempt()
    try:
        if wait:
            raise LoginThrottledError(wait)
        yield attempt
    finally:
        if not attempt.failed:
            _give_back(pair_key)
            _give_back(address_key)
