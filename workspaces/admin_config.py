"""The admin app with the back office's site (:class:`workspaces.admin_scope.site.BackOfficeSite`) as
``admin.site``: listed in INSTALLED_APPS instead of ``django.contrib.admin``."""

from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    default_site = "workspaces.admin_scope.site.BackOfficeSite"
