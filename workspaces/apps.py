from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = _("Workspaces")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from workspaces.accounts import two_factor  # noqa: F401  (its signals keep the user's flag in step)
        from workspaces.accounts.pages import LOGIN_TEMPLATE, AdminLoginForm

        # the admin's login asks for the authenticator code too, and shares the API's counter
        admin.site.login_form = AdminLoginForm
        admin.site.login_template = LOGIN_TEMPLATE
        # devices hold their users' TOTP secrets: not for browsing (a lost phone: reset_two_factor)
        if admin.site.is_registered(TOTPDevice):
            admin.site.unregister(TOTPDevice)
