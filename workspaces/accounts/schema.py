"""The OpenAPI description of the bearer scheme: simplejwt's, for its revocation-aware subclass."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class RevocableJWTScheme(SimpleJWTScheme):
    target_class = "workspaces.accounts.authentication.JWTAuthentication"
