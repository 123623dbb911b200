"""Bearer authentication: simplejwt's, with revoked tokens answered as dead ones.

Every token carries a digest of the password hash it was issued under (simplejwt's
``CHECK_REVOKE_TOKEN``), compared with the user row the request loads anyway: no query of its
own. (This module imports nothing of DRF's views: DRF imports it while loading them.)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken

TOKEN_REVOKED = _("This token was issued before the password changed; log in again.")


class JWTAuthentication(authentication.JWTAuthentication):
    """A token from before a password change is ``token_not_valid`` like any other dead token
    (simplejwt's own ``password_changed`` would read as a wrong password)."""

    def get_user(self, validated_token):
        try:
            return super().get_user(validated_token)
        except exceptions.AuthenticationFailed as exc:
            # simplejwt's errors carry their code as a value: {"detail": ..., "code": "password_changed"}
            if isinstance(exc.detail, dict) and exc.detail.get("code") == "password_changed":
                raise InvalidToken(TOKEN_REVOKED) from None
            raise
