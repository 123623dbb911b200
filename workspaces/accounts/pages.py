"""The HTML doors of accounts: the admin's login (with the second factor and the shared login
counter) and the password-reset pages the reset email links to.

Who may sign in to the admin stays the admin site's own rule (``confirm_login_allowed`` of
Django's admin form, ``AdminSite.has_permission``); this module only adds what a login needs
besides the password.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from workspaces.accounts import actions, two_factor
from workspaces.accounts.actions import reset_link
from workspaces.accounts.login_counter import LoginThrottledError, login_attempt
from workspaces.errors import InvalidError

THROTTLED = _("Too many failed logins. Try again in %(minutes)s minutes.")
LOGIN_TEMPLATE = "accounts/admin_login.html"


class AdminLoginForm(AdminAuthenticationForm):
    """Django's admin login form, plus the authenticator code for users with two-factor, and
    the API's failed-login counter (one counter for both doors)."""

    otp = forms.CharField(
        label=_("Authenticator code"),
        help_text=_("Only if you turned on two-factor authentication."),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": two_factor.OTP_REQUIRED,
        "otp_invalid": two_factor.OTP_INVALID,
        "throttled": THROTTLED,
    }

    def refuse(self, status: int, wait: int | None = None) -> None:
        """How the page answers this refusal: 401 for a missing or wrong code, 429 when throttled."""
        self.request.login_refusal = (status, wait)

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is None or not password:
            return self.cleaned_data
        try:
            with login_attempt(self.request, email) as attempt:
                self.user_cache = authenticate(self.request, username=email, password=password)
                if self.user_cache is None:
                    attempt.fail()
                    raise self.get_invalid_login_error()
                try:
                    two_factor.login_check(user=self.user_cache, code=self.cleaned_data.get("otp"))
                except two_factor.CodeMissingError:
                    self.refuse(401)
                    raise ValidationError(self.error_messages["otp_required"], code="otp_required") from None
                except two_factor.CodeWrongError:
                    attempt.fail()
                    self.refuse(401)
                    raise ValidationError(self.error_messages["otp_invalid"], code="otp_invalid") from None
                self.confirm_login_allowed(self.user_cache)
        except LoginThrottledError as exc:
            self.refuse(429, exc.wait)
            minutes = max(1, -(-exc.wait // 60))
            raise ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": minutes}
            ) from None
        return self.cleaned_data


def admin_login(request):
    """``/admin/login/``: the admin site's own login view with :class:`AdminLoginForm`; a refused
    second factor answers 401 and a throttled login 429 with Retry-After, as the API does."""
    response = admin.site.login(request)
    refusal = getattr(request, "login_refusal", None)
    if refusal is not None:
        status, wait = refusal
        response.status_code = status
        if wait:
            response["Retry-After"] = str(wait)
    return response


# --------------------------------------------------------------------------------------------
# Password reset pages (the email's link lands on the second one unless PASSWORD_RESET_URL says otherwise)
# --------------------------------------------------------------------------------------------


class ResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


def _page(request, template: str, **context) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context})


@never_cache
@csrf_protect
def password_reset_page(request):
    """Ask for a reset email (the admin login's "Forgotten your password?" link)."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.password_reset_request(email=form.cleaned_data["email"], link=reset_link(request))
        return redirect("password-reset-sent")
    return _page(request, "registration/password_reset_form.html", form=form, title=_("Password reset"))


@never_cache
def password_reset_sent_page(request):
    return _page(request, "registration/password_reset_done.html", title=_("Password reset sent"))


@sensitive_post_parameters()
@never_cache
@csrf_protect
def password_reset_confirm_page(request, token: str):
    """Choose a new password with the email's one-time token (the same action as the API's)."""
    user = actions.password_reset_user(token=token)
    if user is None:
        return _page(request, "registration/password_reset_confirm.html", validlink=False, title=_("Password reset"))
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.password_reset_confirm(token=token, new_password=form.cleaned_data["new_password1"])
        except InvalidError as exc:
            form.add_error("new_password1" if exc.field == "new_password" else None, str(exc.message))
        else:
            return _page(
                request,
                "registration/password_reset_complete.html",
                login_url=reverse("admin:login"),
                title=_("Password reset complete"),
            )
    return _page(
        request, "registration/password_reset_confirm.html", validlink=True, form=form, title=_("Enter new password")
    )
