"""Token endpoints, with failed logins throttled per address and per (address, email).

Counting failures per (address, email) means one attacker cannot lock a victim out from the
victim's own address; the looser per-address limit stops one address spraying many emails.
Behind proxies that append to ``X-Forwarded-For`` (``TRUSTED_PROXY_COUNT``) the address is the
entry they appended, so that everyone behind the proxy does not share one count.

Counts live in the shared cache (Redis when REDIS_URL is set, else the database). Each attempt
is counted before the password is checked (atomically: Redis's INCR, or an advisory lock around
the database cache's read and write), and given back unless the password turns out wrong, so a
burst of parallel guesses gets no more tries than the limit.
"""

from __future__ import annotations

import contextlib
import hashlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as BaseTokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

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


def _count_attempt(key: str, limit: int) -> int:
    """Count one attempt in ``key``'s window; the seconds to wait when it is over ``limit``, else 0."""
    now = time.time()
    with _serialized(key):
        cache.add(f"{key}:since", now, WINDOW_SECONDS)  # the window starts at its first attempt
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, WINDOW_SECONDS)
            count = 1
    if count <= limit:
        return 0
    since = cache.get(f"{key}:since") or now
    return max(0, int(since + WINDOW_SECONDS - now))


def _give_back(key: str) -> None:
    with _serialized(key), contextlib.suppress(ValueError):  # ValueError: the window ended meanwhile
        cache.decr(key)


class TokenView(TokenObtainPairView):
    """POST {"email", "password"} -> {"access", "refresh"}; wrong credentials 401; too many 429."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Obtain a token pair")
    def post(self, request, *args, **kwargs):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        email = email if isinstance(email, str) else ""
        pair_key, address_key = _keys(request, email)
        per_pair, per_address = _limits()
        wait = max(_count_attempt(pair_key, per_pair), _count_attempt(address_key, per_address))
        failed = False
        try:
            if wait:
                raise exceptions.Throttled(wait=wait)
            return super().post(request, *args, **kwargs)
        except exceptions.AuthenticationFailed:
            failed = True  # only a wrong password keeps its count
            raise
        finally:
            if not failed:
                _give_back(pair_key)
                _give_back(address_key)


class TokenRefreshSerializer(BaseTokenRefreshSerializer):
    refresh = serializers.CharField(write_only=True)  # the answer is {"access"} only

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except get_user_model().DoesNotExist:  # simplejwt looks the user up with .get(): deleted is a 500
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


class RefreshView(TokenRefreshView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TokenRefreshSerializer
