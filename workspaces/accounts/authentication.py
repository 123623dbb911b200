"""Bearer authentication: simplejwt's tokens, the user checked once, loaded at most once.

A valid token gives a :class:`TokenUser`: the user it names, loaded on first use and checked as
simplejwt checks it (it exists, it is active, and the token carries a digest of the password hash
it was issued under, simplejwt's ``CHECK_REVOKE_TOKEN``: a token from before a password change is
dead). A workspace endpoint never loads it alone: the tenancy check reads the caller's membership
together with their user in one query and hands the user over (``workspaces.tenancy``), so an
authenticated read costs the membership query and its own. (This module imports nothing of DRF's
views: DRF imports it while loading them.)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

TOKEN_REVOKED = _("This token was issued before the password changed; log in again.")
USER_NOT_FOUND = _("User not found")
USER_INACTIVE = _("User is inactive")


def checked_user(user, token):
    """``user`` if ``token`` may stand for them (simplejwt's checks), else the 401 that says why."""
    if user is None:
        raise exceptions.AuthenticationFailed(USER_NOT_FOUND, code="user_not_found")
    if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
        raise exceptions.AuthenticationFailed(USER_INACTIVE, code="user_inactive")
    if api_settings.CHECK_REVOKE_TOKEN and token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
        user.password
    ):
        # simplejwt's own "password_changed" would read as a wrong password: it is a dead token
        raise InvalidToken(TOKEN_REVOKED)
    return user


class TokenUser(SimpleLazyObject):
    """The user a valid token names: loaded and checked on first use, or handed over already loaded."""

    def __init__(self, token):
        self.__dict__["token"] = token
        super().__init__(self._load)

    def _load(self):
        user_id = self.user_id
        return checked_user(
            get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first(), self.token
        )

    @property
    def token(self):
        return self.__dict__["token"]

    @property
    def user_id(self):
        try:
            return self.__dict__["token"][api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc

    @property
    def loaded(self) -> bool:
        return self._wrapped is not empty

    def hand_over(self, user) -> None:
        """``user``, read by another query (the caller's membership), is the one: checked, kept."""
        self._wrapped = checked_user(user, self.token)


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer tokens; the user is a :class:`TokenUser` (no query of its own here)."""

    def get_user(self, validated_token):
        return TokenUser(validated_token)
