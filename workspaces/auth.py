"""Token endpoints, with failed logins throttled per address and per (address, email).

Counting failures per (address, email) means one attacker cannot lock a victim out from the
victim's own address; the looser per-address limit stops one address spraying many emails.
Counts live in the shared cache (Redis when REDIS_URL is set, else the database).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

WINDOW_SECONDS = 15 * 60


def _limits() -> tuple[int, int]:
    per_pair = getattr(settings, "LOGIN_FAILURES_PER_EMAIL", 5)
    per_address = getattr(settings, "LOGIN_FAILURES_PER_ADDRESS", 50)
    return per_pair, per_address


def _keys(request, email: str) -> tuple[str, str]:
    address = request.META.get("REMOTE_ADDR", "")
    pair = hashlib.sha256(f"{address}|{email.strip().lower()}".encode()).hexdigest()
    return f"login-fail:pair:{pair}", f"login-fail:addr:{address}"


def _blocked_for(key: str, limit: int) -> int:
    entry = cache.get(key)
    if not entry:
        return 0
    count, started = entry
    remaining = int(started + WINDOW_SECONDS - time.time())
    return remaining if count >= limit and remaining > 0 else 0


def _record_failure(key: str) -> None:
    entry = cache.get(key)
    now = time.time()
    if not entry or entry[1] + WINDOW_SECONDS <= now:
        entry = (0, now)
    cache.set(key, (entry[0] + 1, entry[1]), WINDOW_SECONDS)


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
        wait = max(_blocked_for(pair_key, per_pair), _blocked_for(address_key, per_address))
        if wait:
            raise exceptions.Throttled(wait=wait)
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.AuthenticationFailed:
            _record_failure(pair_key)
            _record_failure(address_key)
            raise


class RefreshView(TokenRefreshView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
